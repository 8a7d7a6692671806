/** A stable colour per view name (the 13 default views get distinct hues). */
const VIEWS = ['AP2', 'AP3', 'AP4', 'AP5', 'PLAX', 'RVIF', 'SUBC4', 'SUBIVC', 'PSAXAo', 'PSAXM', 'PSAXPM', 'PSAXAp', 'SUPRA'];

export function viewColor(view: string): string {
  let i = VIEWS.indexOf(view);
  if (i < 0) i = [...view].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7);
  return `hsl(${(i * 360) / VIEWS.length} 70% 50%)`;
}
