# The prover benchmark. bench/CMakeLists.txt includes this file:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/prove_bench.cmake)
# slotcheck_smt is linked whole so that every design file registers itself.
if(SLOTCHECK_WITH_Z3)
  add_executable(prove_bench ${CMAKE_CURRENT_LIST_DIR}/prove_bench.cpp)
  target_link_libraries(prove_bench PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,slotcheck_smt>" slotcheck_model)
endif()
