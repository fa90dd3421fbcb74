# Turns tools/emit_c_prelude.c into a C++ source defining
# slotcheck::emit_c_text::prelude() (tools/emit_c_text.h). Run by
# tools/emit_c.cmake at build time: cmake -DINPUT=... -DOUTPUT=... -P this file.
file(READ "${INPUT}" prelude)
if(prelude MATCHES "\\)sc_prelude\"")
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )sc_prelude\"")
endif()
file(WRITE "${OUTPUT}.tmp"
     "// Generated from tools/emit_c_prelude.c by tools/emit_c_embed.cmake: do not edit.\n"
     "#include \"tools/emit_c_text.h\"\n\n"
     "namespace slotcheck::emit_c_text {\n\n"
     "std::string_view prelude() {\n"
     "    static constexpr const char kPrelude[] = R\"sc_prelude(${prelude})sc_prelude\";\n"
     "    return {kPrelude, sizeof kPrelude - 1};\n"
     "}\n\n"
     "}  // namespace slotcheck::emit_c_text\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
