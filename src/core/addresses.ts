/** Where one service finds another: MOVA_<NAME>_ADDRESS (uppercase, dashes → underscores) overrides the default. */
export function addressEnvKey(name: string): string {
  return `MOVA_${name.toUpperCase().replace(/-/g, '_')}_ADDRESS`;
}
