// Orders names the way a person expects (lab-2 before lab-10). One collator, made once: creating one per
// comparison (what localeCompare with options does) is slow enough to show in a profile at 1 Hz × 100 VMs.
export const compareNames = new Intl.Collator('en', { numeric: true }).compare
