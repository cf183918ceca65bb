/** IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/) */
export const DIGITAL_SOURCE_TYPE = {
  /** made by a generative model trained on sampled content: the AI disclosure for generated shots */
  trainedAlgorithmicMedia: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  /** made by a person with digital tools: a 3D render exported as is */
  digitalCreation: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation',
} as const;

export const XMP_NAMESPACES = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  Iptc4xmpExt: 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/',
  r2r: 'http://ns.r2r-studio.org/export/1.0/',
} as const;

export interface XmpFields {
  digitalSourceType: string;
  /** hex SHA-256 of the source render file */
  sourceSha256: string;
  creatorTool: string;
  title?: string;
  sku?: string;
  colorway?: string;
  view?: string;
  /** the A1111-style parameters line, for formats without PNG text chunks */
  parameters?: string;
  createDate?: string;
}

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

/** a complete XMP packet (xpacket wrapper, one rdf:Description with attributes) */
export function buildXmpPacket(f: XmpFields): string {
  const attrs: [string, string | undefined][] = [
    ['Iptc4xmpExt:DigitalSourceType', f.digitalSourceType],
    ['xmp:CreatorTool', f.creatorTool],
    ['xmp:CreateDate', f.createDate],
    ['r2r:SourceSha256', f.sourceSha256],
    ['r2r:Sku', f.sku],
    ['r2r:Colorway', f.colorway],
    ['r2r:View', f.view],
    ['r2r:Parameters', f.parameters],
  ];
  const ns = (['dc', 'xmp', 'Iptc4xmpExt', 'r2r'] as const).map((p) => `\n    xmlns:${p}="${XMP_NAMESPACES[p]}"`).join('');
  const attrText = attrs
    .filter((a): a is [string, string] => a[1] !== undefined)
    .map(([k, v]) => `\n    ${k}="${escapeXml(v)}"`)
    .join('');
  const title =
    f.title === undefined
      ? ''
      : `\n   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(f.title)}</rdf:li></rdf:Alt></dc:title>\n  `;
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n` +
    `<x:xmpmeta xmlns:x="${XMP_NAMESPACES.x}">\n` +
    ` <rdf:RDF xmlns:rdf="${XMP_NAMESPACES.rdf}">\n` +
    `  <rdf:Description rdf:about=""${ns}${attrText}${title ? `>${title}</rdf:Description>` : '/>'}\n` +
    ` </rdf:RDF>\n` +
    `</x:xmpmeta>\n` +
    `<?xpacket end="w"?>`
  );
}
