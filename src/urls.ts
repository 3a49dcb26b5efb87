/** Every public URL and DID the service mints, derived from PUBLIC_URL in one place. */
import { didWebBase } from './config.js';

export interface Urls {
  base: string;
  credential(id: string): string;
  achievement(id: string): string;
  issuerProfile(slug: string): string;
  issuerDid(slug: string): string;
  statusList(id: string): string;
}

export function createUrls(publicUrl: string): Urls {
  const didBase = didWebBase(publicUrl);
  return {
    base: publicUrl,
    credential: (id) => `${publicUrl}/c/${id}`,
    achievement: (id) => `${publicUrl}/achievements/${id}`,
    issuerProfile: (slug) => `${publicUrl}/issuers/${slug}`,
    issuerDid: (slug) => `${didBase}:issuers:${slug}`,
    statusList: (id) => `${publicUrl}/status/${id}`,
  };
}
