#!/bin/sh
# tcpdrill's stand-in for upstream packetdrill's gtests/net/tcp/common/set_sysctls.py, which the
# corpus does not ship: `set_sysctls.py /proc/sys/a/b=value ...` writes each value and appends the
# old one to /tmp/sysctl_restore_<pid>.sh, the file scripts run as their cleanup command
# (`/tmp/sysctl_restore_${PPID}.sh`). <pid> is the parent of the shell that ran us: the process
# that runs the script's commands, whose child shell's $PPID names the same file later.
set -e
owner=$(cut -d' ' -f4 "/proc/$PPID/stat")
restore="/tmp/sysctl_restore_${owner}.sh"
[ -f "$restore" ] || printf '#!/bin/sh\n' > "$restore"
chmod +x "$restore"
for setting in "$@"; do
  file=${setting%%=*}
  value=${setting#*=}
  old=$(cat "$file")
  printf "echo '%s' > '%s'\n" "$old" "$file" >> "$restore"
  printf '%s\n' "$value" > "$file"
done
