# Turns text files of the repository into a C++ source defining
# `std::string_view NAMESPACE::FUNCTION()` (declared in HEADER) that returns
# the files' bytes, so the static binary that goes into a VM carries them.
# INPUT is one file, or several separated by commas: C sources, concatenated
# in the order given, each preceded by a one-line comment naming it.
# Run at build time: cmake -DINPUT=... -DOUTPUT=... -DHEADER=... -DNAMESPACE=... -DFUNCTION=... -P this file.
string(REPLACE "," ";" inputs "${INPUT}")
list(LENGTH inputs count)
set(text "")
set(sources "")
foreach(input IN LISTS inputs)
  file(READ "${input}" part)
  file(RELATIVE_PATH source "${CMAKE_CURRENT_LIST_DIR}/.." "${input}")
  if(count GREATER 1)
    string(APPEND text "/* ---------------------------------------------------------------- ${source} */\n")
  endif()
  string(APPEND text "${part}")
  list(APPEND sources "${source}")
endforeach()
if(text MATCHES "\\)sc_embed\"")
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )sc_embed\"")
endif()
list(JOIN sources ", " sources)
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${sources} by cmake/embed_text.cmake: do not edit.\n"
     "#include \"${HEADER}\"\n\n"
     "namespace ${NAMESPACE} {\n\n"
     "std::string_view ${FUNCTION}() {\n"
     "    static constexpr const char kText[] = R\"sc_embed(${text})sc_embed\";\n"
     "    return {kText, sizeof kText - 1};\n"
     "}\n\n"
     "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
