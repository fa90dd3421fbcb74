# slotcheck_embed_text(OUT_VAR FUNCTION HEADER NAMESPACE COMMENT INPUTS...)
# Adds a build step that turns INPUTS (files, concatenated in order) into a
# generated C++ source defining `std::string_view NAMESPACE::FUNCTION()`
# (declared in HEADER), through cmake/embed_text.cmake, and sets OUT_VAR to
# that source's path for add_library.
function(slotcheck_embed_text out_var function header namespace comment)
  set(inputs ${ARGN})
  string(REPLACE ";" "," input_list "${inputs}")
  set(output ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_${function}.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input_list} -DOUTPUT=${output}
            -DHEADER=${header} -DNAMESPACE=${namespace} -DFUNCTION=${function}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "${comment}")
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
