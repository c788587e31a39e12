// A certificate's subject as people read it: its CN, else its O.
import { parseCertificate } from './cms.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';

export function subjectName(der: Uint8Array): string {
  const attrs = parseCertificate(der).subject.typesAndValues;
  const of = (type: string) => attrs.find((a) => a.type === type)?.value.valueBlock.value as string | undefined;
  return of(CN) ?? of(O) ?? 'e-seal';
}
