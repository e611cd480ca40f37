# Sourced by the scripts that fetch from Debian (compose-v2.sh, stand-in-base-image.sh).
# debian_mirror: $DEBIAN_MIRROR, else the Debian mirror the host's apt already reaches
# (deb822 .sources or one-line sources.list), else deb.debian.org.
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(grep -hs -m1 -E '^URIs: .*/debian/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true)
  [ -n "$uri" ] || uri=$(grep -hs -m1 -E '^deb .*/debian/? ' /etc/apt/sources.list | awk '{print $2}' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
