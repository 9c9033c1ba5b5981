# vm-args: --link "--baud 921600 --flip 1e-4 --drop 1e-5 --burst 64@5s --seed 17" --append "ncmp_baud=921600" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/log/dmesg-anyka-ipcam/dmesg.txt" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/telemetry-text/gpsd-nmea/nl2008u.log" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/telemetry-binary/gpsd-gnss-binary/rtcm3.bndm.log" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/json/gpsd-json-reports/tomtom-mkII.log.chk" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/code/cpython-stdlib/hmac.py" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/mixed/man-pages/man4/loop.4" --data "$top/tests/golden/o2mix.ncmm"
#
# transfer-uart.sh at 921600 baud on a line that flips one bit in about
# 10,000 bytes, loses one in 100,000 and sends a 64-byte error burst.
. /suites/transfer-uart.sh
