/** Credentials of one Cloudinary product environment (or of the dev media store standing in for it). */
export interface CloudinaryAccount {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** The account's signature algorithm (Cloudinary: SHA-1 unless the account requires SHA-256). */
  signatureAlgorithm: SignatureAlgorithm;
}

export type SignatureAlgorithm = 'sha1' | 'sha256';

/** Parses `cloudinary://<api_key>:<api_secret>@<cloud_name>`, the form Cloudinary's console shows. */
export function parseCloudinaryUrl(value: string, signatureAlgorithm: SignatureAlgorithm): CloudinaryAccount {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>');
  }
  const account = {
    cloudName: url.hostname,
    apiKey: decodeURIComponent(url.username),
    apiSecret: decodeURIComponent(url.password),
    signatureAlgorithm,
  };
  if (url.protocol !== 'cloudinary:' || !account.cloudName || !account.apiKey || !account.apiSecret) {
    throw new Error('CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>');
  }
  return account;
}
