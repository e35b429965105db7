# Runs nvme-qbench run and compare on a scratch file and validates both
# reports against the schema of the version they carry (SCHEMA is the
# schema folder); a run that fails or an invalid report fails.
string(RANDOM LENGTH 8 tag)
set(img ${TEST_DIR}/qb-schema-${tag}.img)
file(WRITE ${img} "")
execute_process(COMMAND truncate -s 64M ${img} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "truncate failed")
endif()
set(run_json ${TEST_DIR}/qb-schema-${tag}-run.json)
set(cmp_json ${TEST_DIR}/qb-schema-${tag}-compare.json)
execute_process(COMMAND ${BINARY} run --device ${img} --path block-irq --rw randwrite --ios 4000 --verify
                        --allow-destructive --quiet --json ${run_json} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${img})
  message(FATAL_ERROR "run exited ${rc}")
endif()
execute_process(COMMAND ${BINARY} compare --device ${img} --paths psync,block-irq --baseline block-irq
                        --ios 2000 --rounds 2 --quiet --json ${cmp_json} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${img} ${run_json})
  message(FATAL_ERROR "compare exited ${rc}")
endif()
execute_process(COMMAND python3 ${VALIDATOR} ${SCHEMA} ${run_json} ${cmp_json} RESULT_VARIABLE rc)
file(REMOVE ${img} ${run_json} ${cmp_json})
# 77: the folder has no schema for the version the tool writes (ctest
# reports the test as skipped, from the SKIP: line the validator printed).
if(rc EQUAL 77)
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "report does not conform to the schema")
endif()
