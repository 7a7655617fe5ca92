// chartExport.ts: a chart on the page as a standalone SVG or PNG file. The page styles charts with
// CSS classes, which do not travel with a file, so each element's computed style is written into
// it; a chart drawn on a canvas (the PCA scatter) goes in as an embedded image under its SVG axes.

const STYLE_PROPERTIES = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity',
  'font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline', 'visibility', 'display',
];
const SVG_NS = 'http://www.w3.org/2000/svg';

/** A copy of `svg`'s content with each element's computed style inlined. */
function styledCopy(svg: SVGSVGElement): SVGSVGElement {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  from.forEach((el, i) => {
    const style = getComputedStyle(el);
    const target = to[i] as SVGElement;
    for (const p of STYLE_PROPERTIES) target.style.setProperty(p, style.getPropertyValue(p));
    target.removeAttribute('tabindex');
  });
  return clone;
}

/** Width and height of an SVG's coordinate system. */
function sizeOf(svg: SVGSVGElement): [number, number] {
  const box = svg.viewBox.baseVal;
  if (box && box.width > 0) return [box.width, box.height];
  const rect = svg.getBoundingClientRect();
  return [rect.width, rect.height];
}

/**
 * The chart in `container` as SVG markup: its first <svg>, or a <canvas> with the <svg> drawn
 * over it. Throws when the container holds neither.
 */
export function chartSvg(container: HTMLElement): string {
  const canvas = container.querySelector('canvas');
  const svg = container.querySelector('svg');
  if (!svg && !canvas) throw new Error('this chart has nothing drawn yet');
  const [width, height] = canvas
    ? [canvas.getBoundingClientRect().width, canvas.getBoundingClientRect().height]
    : sizeOf(svg!);
  const root = document.createElementNS(SVG_NS, 'svg');
  root.setAttribute('xmlns', SVG_NS);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', 'white');
  root.appendChild(background);
  if (canvas) {
    const image = document.createElementNS(SVG_NS, 'image');
    image.setAttribute('href', canvas.toDataURL('image/png'));
    image.setAttribute('width', String(width));
    image.setAttribute('height', String(height));
    root.appendChild(image);
  }
  if (svg) {
    const copy = styledCopy(svg);
    const group = document.createElementNS(SVG_NS, 'g');
    while (copy.firstChild) group.appendChild(copy.firstChild);
    root.appendChild(group);
  }
  return new XMLSerializer().serializeToString(root);
}

/** Renders SVG markup to a PNG at `scale` times its size. */
export async function svgToPng(markup: string, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(image.width * scale);
    canvas.height = Math.ceil(image.height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Hands a file to the browser's downloads. */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
