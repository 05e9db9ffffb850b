/** Host interface names, from the host namespace's sysfs. */
export function hostInterfaces(): string[] {
  return require("node:fs").readdirSync("/sys/class/net") as string[];
}
