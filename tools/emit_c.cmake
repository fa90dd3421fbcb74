# The C reproducer emitter (slotcheck emit-c) as a library of its own, so the
# unit tests link it too. Included by the top-level CMakeLists.txt after the
# tools/ glob: its sources leave TOOL_SOURCES (emit_c_command.cpp stays).
set(EMIT_C_SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c_calls.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c_text.cpp)
list(REMOVE_ITEM TOOL_SOURCES ${EMIT_C_SOURCES})

# Every emitted program carries the executor core the harness runs
# (harness/c/, the files verbatim, headers first so that one translation unit
# needs no includes), then its own runtime (tools/emit_c_prelude.c). At build
# time both become strings in generated sources. tests/unit_emit_c_test.cpp
# checks that every file of harness/c/ is in every program.
set(EMIT_C_EXECUTOR_FILES
    uapi.h layout.h outcome.h page_tables.h run_timer.h host_access.h vcpu.h probe.h
    guest_code.c outcome.c page_tables.c run_timer.c host_access.c vcpu.c probe.c batch.c)
list(TRANSFORM EMIT_C_EXECUTOR_FILES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/harness/c/)
string(REPLACE ";" "," EMIT_C_EXECUTOR_INPUT "${EMIT_C_EXECUTOR_FILES}")
set(EMIT_C_EXECUTOR_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/emit_c_executor.cpp)
add_custom_command(
  OUTPUT ${EMIT_C_EXECUTOR_CPP}
  COMMAND ${CMAKE_COMMAND} -DINPUT=${EMIT_C_EXECUTOR_INPUT} -DOUTPUT=${EMIT_C_EXECUTOR_CPP}
          -DHEADER=tools/emit_c_text.h -DNAMESPACE=slotcheck::emit_c_text -DFUNCTION=executor
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_text.cmake
  DEPENDS ${EMIT_C_EXECUTOR_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_text.cmake
  COMMENT "Embedding the executor core for C reproducers")

set(EMIT_C_PRELUDE ${CMAKE_CURRENT_SOURCE_DIR}/tools/emit_c_prelude.c)
set(EMIT_C_PRELUDE_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/emit_c_prelude.cpp)
add_custom_command(
  OUTPUT ${EMIT_C_PRELUDE_CPP}
  COMMAND ${CMAKE_COMMAND} -DINPUT=${EMIT_C_PRELUDE} -DOUTPUT=${EMIT_C_PRELUDE_CPP}
          -DHEADER=tools/emit_c_text.h -DNAMESPACE=slotcheck::emit_c_text -DFUNCTION=prelude
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_text.cmake
  DEPENDS ${EMIT_C_PRELUDE} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_text.cmake
  COMMENT "Embedding the C reproducer prelude")

add_library(slotcheck_emit_c STATIC ${EMIT_C_SOURCES} ${EMIT_C_EXECUTOR_CPP} ${EMIT_C_PRELUDE_CPP})
target_link_libraries(slotcheck_emit_c PUBLIC slotcheck_harness)
