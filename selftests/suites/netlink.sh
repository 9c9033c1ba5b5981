# The generic netlink family: dump, get, set (and CAP_NET_ADMIN), events,
# through libnl and through ncmctl.
ncmp_netlink_test
