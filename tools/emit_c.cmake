# The C reproducer emitter (slotcheck emit-c) as a library of its own, so the
# unit tests link it too. Included by the top-level CMakeLists.txt after the
# tools/ glob: its sources leave TOOL_SOURCES (emit_c_command.cpp stays).
set(EMIT_C_SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c_calls.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c_text.cpp)
list(REMOVE_ITEM TOOL_SOURCES ${EMIT_C_SOURCES})

# The runtime of every emitted program is a real C file; at build time it
# becomes a string in a generated source.
set(EMIT_C_PRELUDE ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c_prelude.c)
set(EMIT_C_PRELUDE_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/emit_c_prelude.cpp)
add_custom_command(
  OUTPUT ${EMIT_C_PRELUDE_CPP}
  COMMAND ${CMAKE_COMMAND} -DINPUT=${EMIT_C_PRELUDE} -DOUTPUT=${EMIT_C_PRELUDE_CPP}
          -DHEADER=tools/emit_c_text.h -DNAMESPACE=slotcheck::emit_c_text -DFUNCTION=prelude
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_text.cmake
  DEPENDS ${EMIT_C_PRELUDE} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_text.cmake
  COMMENT "Embedding the C reproducer prelude")

add_library(slotcheck_emit_c STATIC ${EMIT_C_SOURCES} ${EMIT_C_PRELUDE_CPP})
target_link_libraries(slotcheck_emit_c PUBLIC slotcheck_harness)
