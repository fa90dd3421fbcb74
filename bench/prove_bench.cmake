# The prover benchmark. bench/CMakeLists.txt includes this file:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/prove_bench.cmake)
if(SLOTCHECK_WITH_Z3)
  add_executable(prove_bench ${CMAKE_CURRENT_LIST_DIR}/prove_bench.cpp)
  target_link_libraries(prove_bench PRIVATE slotcheck_prover slotcheck_model)
endif()
