#!/usr/bin/env node
// Twilio's figures for tricky SMS texts: the reference templater's encoding.analyze() is tested against.
//
//   npm install --prefix benchmarks/tools sms-segments-calculator   (once; node_modules is not committed)
//   node benchmarks/tools/twilio_segments.js > tests/data/segments/twilio.json
//   node benchmarks/tools/twilio_segments.js TEXTS.json   (figures for a JSON list of texts instead)
//
// tests/test_segments.py compares templater with the committed JSON, and with this script run live
// when node and the package are available. Add a text here, regenerate the JSON, and the test covers it.
'use strict';

const { SegmentedMessage } = require('sms-segments-calculator');
const version = require('sms-segments-calculator/package.json').version;

const a = (n) => 'a'.repeat(n);
const e = (n) => '\u00ea'.repeat(n); // ê: outside GSM-7, one UTF-16 unit
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';

const TEXTS = [
  ['plain', 'Hello World'],
  ['empty', ''],
  ['gsm 160', a(160)],
  ['gsm 161', a(161)],
  ['gsm 306', a(306)],
  ['gsm 307', a(307)],
  ['gsm 459', a(459)],
  ['gsm 460', a(460)],
  ['gsm 1000', a(1000)],
  ['extension characters', 'Price: 10\u20ac {code} [x] ~ | ^ \\ done'],
  ['euro fills 160', a(158) + '\u20ac'],
  ['euro overflows 160', a(159) + '\u20ac'],
  ['escape pair at the 153 boundary', a(152) + '\u20ac' + a(10)],
  ['brace at the 153 boundary', a(152) + '{' + a(152) + '}' + a(5)],
  ['escape pair at the second boundary', a(305) + '[' + a(20)],
  ['four euros fit', a(152) + '\u20ac\u20ac\u20ac\u20ac'],
  ['four euros overflow', a(153) + '\u20ac\u20ac\u20ac\u20ac'],
  ['80 euros', '\u20ac'.repeat(80)],
  ['81 euros', '\u20ac'.repeat(81)],
  ['full basic alphabet', '@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9 !"#\u00a4%&\'()*+,-./0123456789:;<=>?\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0'],
  ['form feed', 'page\fbreak'],
  ['ucs2 70', e(70)],
  ['ucs2 71', e(71)],
  ['ucs2 134', e(134)],
  ['ucs2 135', e(135)],
  ['emoji fills 70', e(68) + '\u{1F600}'],
  ['emoji overflows 70', e(69) + '\u{1F600}'],
  ['surrogate pair at the 67 boundary', e(66) + '\u{1F600}' + e(10)],
  ['35 emoji', '\u{1F600}'.repeat(35)],
  ['36 emoji', '\u{1F600}'.repeat(36)],
  ['family emoji at the boundary', e(62) + FAMILY + e(10)],
  ['extension characters in UCS-2', '\u00ea{}[]\u20ac~|^\\'],
  ['crlf', 'Line one\r\nLine two'],
  ['crlf overflows 160', a(159) + '\r\n'],
  ['lf fills 160', a(159) + '\n'],
  ['lone cr', 'one\rtwo'],
  ['french accents', 'Votre commande est pr\u00eate. Re\u00e7u \u00e0 14h, \u00e0 bient\u00f4t !'],
  ['french gsm-safe', 'Votre rendez-vous du 12 mars \u00e0 14h est confirm\u00e9. R\u00e9pondez STOP pour vous d\u00e9sabonner.'],
  ['french typography', 'Soldes\u00a0: -30\u202f% sur tout, \u00ab\u00a0offre\u00a0\u00bb \u00e0 saisir\u2026'],
  ['french oe and capitals', '\u0152uvre \u00c0 \u00c9t\u00e9 \u00c8re \u00ca \u00ce \u00d4 \u00db \u00eb \u00ef n\u00b0 5'],
  ['c cedilla capital', '\u00c7a va'],
  ['c cedilla small', '\u00e7a va'],
  ['curly quotes and dash', 'Don\u2019t miss \u201cthis\u201d \u2013 today\u2026'],
  ['family emoji', 'Family ' + FAMILY + ' day'],
  ['flag', 'Bonjour \u{1F1EB}\u{1F1F7}'],
  ['two flags', '\u{1F1EB}\u{1F1F7}\u{1F1FA}\u{1F1F8}'],
  ['skin tone', '\u{1F44D}\u{1F3FD} ok'],
  ['keycap', 'Press 1\uFE0F\u20E3'],
  ['heart with variation selector', 'I \u2764\uFE0F SMS'],
  ['woman astronaut', '\u{1F469}\u200D\u{1F680}'],
  ['rainbow flag', '\u{1F3F3}\uFE0F\u200D\u{1F308}'],
  ['combining accent', 'Cafe\u0301 ouvert'],
  ['greek capitals in GSM', '\u0394\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e'],
  ['greek small', '\u03b1\u03b2\u03b3'],
  ['tab', 'a\tb'],
  ['backtick', 'use `code`'],
  ['zero-width space', 'a\u200bb'],
  ['chinese', '\u60a8\u597d'],
  ['hangul', '\ud55c\uad6d\uc5b4'],
  ['arabic', '\u0645\u0631\u062d\u0628\u0627'],
  ['one-time code', 'Your code is 123456. Don\'t share it.'],
  ['promotional disclosures', 'Acme: 20% off all shoes this weekend at https://acme.example/s\nUp to 4 msgs/month. Msg & data rates may apply. Reply HELP for help. Reply STOP to opt out.'],
  ['french disclosures', 'Maison Lumi\u00e8re: -15 % avec le code JUIN15.\nJusqu\'\u00e0 4 SMS/mois. SMS non surtax\u00e9s. R\u00e9pondez AIDE pour de l\'aide. R\u00e9pondez STOP pour vous d\u00e9sabonner.'],
  ['long ucs2 with emoji', ('Hi \u{1F600} ' + e(20)).repeat(8)],
];

function figures(text) {
  const m = new SegmentedMessage(text);
  const bits = m.encodingName === 'GSM-7' ? 7 : 16;
  return {
    encoding: m.encodingName,
    segments: m.segmentsCount,
    characters: m.numberOfCharacters,
    units: m.messageSize / bits,
    non_gsm: m.getNonGsmCharacters(),
  };
}

const given = process.argv[2]
  ? JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).map((text, i) => [`text ${i}`, text])
  : TEXTS;
const out = {
  generator: `sms-segments-calculator@${version}`,
  texts: given.map(([name, text]) => ({ name, text, ...figures(text) })),
};
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
