# Sourced by nana's scripts: finds Java 25 and sets JAVA_HOME, PATH and MAVEN_OPTS.
# Stops with the fix when Java 25 is missing.
NANA_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export NANA_HOME
nana_find_java() {
  local c
  for c in "${NANA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    if "$c/bin/java" -version 2>&1 | grep -Eq '"(2[5-9]|[3-9][0-9])[."]'; then
      echo "$c"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME=$(nana_find_java); then
  echo "nana: Java 25 not found (looked at \$NANA_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64)." >&2
  echo "nana: install a JDK 25 (e.g. Temurin 25) and set NANA_JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's bundled guava touches sun.misc.Unsafe; Java 25 warns unless allowed.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
