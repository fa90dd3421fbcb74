# The C reproducer emitter (the layer csource/, as syzkaller's pkg/csource):
# library slotcheck_emit_c, which `slotcheck emit-c`, the VM orchestration
# (a reproducer for each traced kernel report) and the unit tests link.
file(GLOB EMIT_C_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/csource/*.cpp)

# Every emitted program carries the executor core the harness runs
# (harness/c/, the files verbatim, headers first so that one translation unit
# needs no includes), then its own runtime (csource/emit_c_prelude.c). At build
# time both become strings in generated sources. tests/unit_emit_c_test.cpp
# checks that every file of harness/c/ is in every program.
set(EMIT_C_EXECUTOR_FILES
    uapi.h layout.h outcome.h page_tables.h run_timer.h host_access.h vcpu.h probe.h
    kernel_facts.h ops.h
    guest_code.c outcome.c page_tables.c run_timer.c host_access.c vcpu.c probe.c batch.c
    kernel_facts.c ops.c)
list(TRANSFORM EMIT_C_EXECUTOR_FILES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/harness/c/)
slotcheck_embed_text(EMIT_C_EXECUTOR_CPP executor csource/emit_c_text.h slotcheck::emit_c_text
                     "Embedding the executor core for C reproducers" ${EMIT_C_EXECUTOR_FILES})
slotcheck_embed_text(EMIT_C_PRELUDE_CPP prelude csource/emit_c_text.h slotcheck::emit_c_text
                     "Embedding the C reproducer prelude" ${CMAKE_CURRENT_SOURCE_DIR}/csource/emit_c_prelude.c)

add_library(slotcheck_emit_c STATIC ${EMIT_C_SOURCES} ${EMIT_C_EXECUTOR_CPP} ${EMIT_C_PRELUDE_CPP})
target_link_libraries(slotcheck_emit_c PUBLIC slotcheck_replay)
