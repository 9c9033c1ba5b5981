# ncmp on pseudo-terminals inside the VM: life cycle, then the protocol
# between two ncmp instances joined by ptys.
for t in ncmp_lifecycle_test ncmp_pty_test; do
	if [ -x "/tests/$t" ]; then
		"/tests/$t"
	else
		echo "not ok - $t is missing"
	fi
done
