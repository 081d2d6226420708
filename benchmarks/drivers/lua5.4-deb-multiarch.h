/* Debian's luaconf.h patch includes this for its library search path. */
#define DEB_HOST_MULTIARCH "bench"
