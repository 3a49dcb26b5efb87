/** The certificate number as printed: 제2026-0001호, No. 2026-0001 (apart from the PDF: pages print it too). */
export function formatCertificateNumber(number: { year: number; serial: number }, lang: 'ko' | 'en'): string {
  const text = `${number.year}-${String(number.serial).padStart(4, '0')}`;
  return lang === 'ko' ? `제${text}호` : `No. ${text}`;
}
