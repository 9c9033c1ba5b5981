# vm-args: --data "$top/tests/golden/o2mix.ncmm"
#
# ncmctl send and recv between two ncmp links on pseudo-terminals: intact
# files and pipes, and every failure reported on both ends.
if [ -x /tests/ncmp_transfer_test ]; then
	ncmp_transfer_test
else
	echo "not ok - ncmp_transfer_test is missing"
fi
