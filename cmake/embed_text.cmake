# Turns a text file of the repository into a C++ source defining
# `std::string_view NAMESPACE::FUNCTION()` (declared in HEADER) that returns
# the file's bytes, so the static binary that goes into a VM carries it.
# Run at build time: cmake -DINPUT=... -DOUTPUT=... -DHEADER=... -DNAMESPACE=... -DFUNCTION=... -P this file.
file(READ "${INPUT}" text)
if(text MATCHES "\\)sc_embed\"")
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )sc_embed\"")
endif()
file(RELATIVE_PATH source "${CMAKE_CURRENT_LIST_DIR}/.." "${INPUT}")
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${source} by cmake/embed_text.cmake: do not edit.\n"
     "#include \"${HEADER}\"\n\n"
     "namespace ${NAMESPACE} {\n\n"
     "std::string_view ${FUNCTION}() {\n"
     "    static constexpr const char kText[] = R\"sc_embed(${text})sc_embed\";\n"
     "    return {kText, sizeof kText - 1};\n"
     "}\n\n"
     "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
