# vm-args: --link "--baud 921600 --seed 13" --append "ncmp_baud=921600" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/log/dmesg-anyka-ipcam/dmesg.txt" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/telemetry-text/gpsd-nmea/nl2008u.log" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/telemetry-binary/gpsd-gnss-binary/rtcm3.bndm.log" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/json/gpsd-json-reports/tomtom-mkII.log.chk" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/code/cpython-stdlib/hmac.py" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/mixed/man-pages/man4/loop.4" --data "$top/tests/golden/o2mix.ncmm"
#
# transfer-uart.sh at 921600 baud on a clean line.
. /suites/transfer-uart.sh
