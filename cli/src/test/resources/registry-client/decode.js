// A third-party reader of shiftlog's topics: kafkajs consumes, @kafkajs/confluent-schema-registry decodes through the
// registry API a shiftlog worker serves. Prints one JSON line {key, value} per message, COUNT messages, then exits.
// usage: node decode.js BROKER REGISTRY_URL TOPIC COUNT
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

const [broker, registryUrl, topic, count] = process.argv.slice(2);
const registry = new SchemaRegistry({ host: registryUrl });
const kafka = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: 'registry-client-' + Date.now() });
const json = (k, v) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v);

(async () => {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  setTimeout(() => { console.error('timed out after ' + seen + ' message(s)'); process.exit(2); }, 90000);
  await consumer.run({
    eachMessage: async ({ message }) => {
      // registry-framed keys (magic byte 0) decode through the API; the audit topic's keys are plain text
      const key = message.key && message.key[0] === 0 ? await registry.decode(message.key) : (message.key ? message.key.toString() : null);
      const value = message.value ? await registry.decode(message.value) : null;
      console.log(JSON.stringify({ key, value }, json));
      if (++seen >= Number(count)) {
        // not consumer.disconnect(): it waits for this very handler to return
        process.exit(0);
      }
    },
  });
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
