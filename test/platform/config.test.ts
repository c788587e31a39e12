// Configuration: every bad variable is named at start-up; defaults follow DESIGN §6.
import { describe, expect, it } from 'vitest';
import { ConfigError, DEMO_ISSUER_NAME, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      officeCode: '10001',
      demo: true,
      trustProxy: 0,
    });
    expect(c.issuerName).toBe(DEMO_ISSUER_NAME);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        ESURETY_OFFICE_CODE: '12',
        DATABASE_URL: 'mysql://x',
        ESURETY_PUBLIC_URL: 'not a url',
        ESURETY_DEMO: 'maybe',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual([
        'DATABASE_URL',
        'ESURETY_DEMO',
        'ESURETY_OFFICE_CODE',
        'ESURETY_PUBLIC_URL',
        'PORT',
      ]);
    }
  });

  it('requires an issuer name in production and turns the demo off there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ESURETY_ISSUER_NAME/);
    const c = loadConfig({ NODE_ENV: 'production', ESURETY_ISSUER_NAME: '東日本建設業保証株式会社' });
    expect(c.demo).toBe(false);
  });

  it('parses the throttle exemption list', () => {
    expect(loadConfig({ ESURETY_THROTTLE_EXEMPT: '203.0.113.0/24, 2001:db8::/48' }).throttleExempt).toEqual([
      '203.0.113.0/24',
      '2001:db8::/48',
    ]);
    expect(() => loadConfig({ ESURETY_THROTTLE_EXEMPT: 'everyone' })).toThrow(/ESURETY_THROTTLE_EXEMPT/);
  });

  it('refuses an exemption list with impossible addresses or prefixes, naming each bad entry', () => {
    // Accepted before, and then every verification answered 500 (BlockList throws on the first request).
    try {
      loadConfig({ ESURETY_THROTTLE_EXEMPT: '999.1.1.1/99, 10.0.0.0/8, 10.0.0.0/33, 2001:db8::/129, 1.2.3.4/8/8' });
      expect.unreachable();
    } catch (error) {
      const [problem] = (error as ConfigError).problems;
      expect(problem).toMatch(/^ESURETY_THROTTLE_EXEMPT: /);
      for (const bad of ['999.1.1.1/99', '10.0.0.0/33', '2001:db8::/129', '1.2.3.4/8/8'])
        expect(problem).toContain(bad);
      expect(problem).not.toContain('"10.0.0.0/8"');
    }
    expect(loadConfig({ ESURETY_THROTTLE_EXEMPT: '192.0.2.7, ::1, 0.0.0.0/0' }).throttleExempt).toHaveLength(3);
  });
});
