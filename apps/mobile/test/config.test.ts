import { mimeTypeOf } from '../services/background/ports/uploadFile';
import { parseAppConfig } from '../services/config';
import { formatCents, parseAmountCents } from '../services/database/records';

test('config: safe defaults, trimmed values, a bad policy is refused', () => {
  expect(parseAppConfig(undefined)).toEqual({
    apiUrl: 'http://127.0.0.1:3000',
    powerSyncUrl: null,
    clerkPublishableKey: null,
    backgroundPolicy: 'on-background',
  });
  expect(
    parseAppConfig({
      apiUrl: ' http://10.0.2.2:3000/ ',
      clerkPublishableKey: 'pk_test_x',
      backgroundPolicy: 'always',
    }),
  ).toMatchObject({
    apiUrl: 'http://10.0.2.2:3000',
    clerkPublishableKey: 'pk_test_x',
    backgroundPolicy: 'always',
  });
  expect(() => parseAppConfig({ backgroundPolicy: 'sometimes' })).toThrow(/backgroundPolicy/);
});

test('invoice amounts: dollars and cents in, integer cents out; anything else refused', () => {
  expect(parseAmountCents('125')).toBe(12_500);
  expect(parseAmountCents('125.5')).toBe(12_550);
  expect(parseAmountCents(' 0,07 ')).toBe(7);
  for (const bad of ['', '-1', '1.234', 'abc', '1e3']) expect(parseAmountCents(bad)).toBeNull();
  expect(formatCents(12_550)).toBe('125.50');
  expect(formatCents(null)).toBe('—');
});

test('uploads carry the MIME type of the photo file', () => {
  expect(mimeTypeOf('file:///docs/photos/a.JPG')).toBe('image/jpeg');
  expect(mimeTypeOf('/p/b.heic')).toBe('image/heic');
  expect(mimeTypeOf('/p/c')).toBe('application/octet-stream');
});
