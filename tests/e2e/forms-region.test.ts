import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

interface DeliveredLead {
  connectorId: string;
  contact: { phones: string[] };
  fields: Record<string, string>;
}

/**
 * A form instance's own `defaultRegion` decides how its nationally typed phones are read, through the
 * real gateway, normalizer and router: the same Belarusian spelling is a Belarusian identity on the BY
 * form and no identity at all on a form that keeps the installation's RU default.
 */
describe.each<Backend>(['embedded', 'kafka'])('per-form default region on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let port: number;

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      normalizer: { defaultRegion: 'RU' },
      router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [
        { id: 'minsk', kind: 'forms', defaultRegion: 'BY' },
        { id: 'berlin', kind: 'forms', defaultRegion: 'DE' },
        { id: 'moscow', kind: 'forms' },
      ],
    });
    port = (await env.start()).port as number;
  });

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  });

  async function deliveredAfter(connectorId: string, body: Record<string, string>): Promise<DeliveredLead> {
    const before = crm.accepted.length;
    expect((await postForm(port, connectorId, body)).status).toBe(202);
    const all = await crm.waitForAccepted(before + 1);
    return all[all.length - 1].body.lead as DeliveredLead;
  }

  test('a Belarusian number typed nationally on the BY form is +375', async () => {
    const lead = await deliveredAfter('minsk', { name: 'Alesia', phone: '8 029 123-45-67', eventId: `${backend}-by-1` });
    expect(lead).toMatchObject({ connectorId: 'minsk', contact: { phones: ['+375291234567'] } });
    expect(lead.fields.unparsed_contacts).toBeUndefined();
  });

  test('a German number typed nationally on the DE form is +49, with its extension kept apart', async () => {
    const lead = await deliveredAfter('berlin', { name: 'Jonas', phone: '030 12345678 ext. 12', eventId: `${backend}-de-1` });
    expect(lead).toMatchObject({ connectorId: 'berlin', contact: { phones: ['+493012345678'] }, fields: { phone_extension: '12' } });
  });

  test('the same Belarusian spelling on a form without a region is read in RU: no identity, kept raw', async () => {
    const lead = await deliveredAfter('moscow', { name: 'Alesia', phone: '8 029 123-45-67', eventId: `${backend}-ru-1` });
    expect(lead).toMatchObject({ connectorId: 'moscow', contact: { phones: [] }, fields: { unparsed_contacts: '8 029 123-45-67' } });
  });

  test('an international number on the BY form is read as written', async () => {
    const lead = await deliveredAfter('minsk', { name: 'Ivan', phone: '+7 912 345-67-89', eventId: `${backend}-by-2` });
    expect(lead.contact.phones).toEqual(['+79123456789']);
  });
});
