// Drives the unmodified @segment/analytics-node against Warehouse, through a proxy that loses the answer to
// the first request (it forwards it, then answers 503), so the SDK retries a batch the warehouse already
// stored. Usage: node send.mjs <warehouse base url> <write key> <run id>. Prints a JSON summary on stdout.
import http from 'node:http'
import { Analytics } from '@segment/analytics-node'

const [, , target, writeKey, runId] = process.argv
let requests = 0
const batches = [] // per request: the messageIds it carried
const proxy = http.createServer(async (req, res) => {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const n = ++requests // requests run concurrently: decide by arrival order, not by the count after the await
  batches.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).batch.map((m) => m.messageId))
  const headers = {}
  for (const name of ['content-type', 'content-encoding', 'authorization', 'user-agent', 'x-retry-count']) {
    if (req.headers[name]) headers[name] = req.headers[name]
  }
  const upstream = await fetch(target + req.url, { method: req.method, headers, body: Buffer.concat(chunks) })
  const text = await upstream.text()
  if (n === 1) {
    res.writeHead(503, { 'content-type': 'application/json' })
    res.end('{"success":false,"code":"lost_answer"}')
    return
  }
  res.writeHead(upstream.status, { 'content-type': 'application/json' })
  res.end(text)
})
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve))

const analytics = new Analytics({
  writeKey,
  host: `http://127.0.0.1:${proxy.address().port}`,
  maxEventsInBatch: 5,
  flushInterval: 50,
  maxRetries: 5,
})
const errors = []
analytics.on('error', (e) => errors.push(String(e?.reason ?? e?.message ?? e)))

// Every call's callback fires once the SDK has delivered the event (after its own retries) or given up.
const delivered = []
const call = (method, message) => delivered.push(new Promise((resolve) => {
  analytics[method](message, (err) => {
    if (err) errors.push(String(err?.reason ?? err?.message ?? err))
    resolve()
  })
}))

const userId = `sdk-user-${runId}`
const anonymousId = `sdk-anon-${runId}`
for (let i = 0; i < 5; i++) {
  call('track', { anonymousId, event: 'Product Viewed', properties: { product_id: `p${i}`, price: 9007199254740991, name: 'Café ☕' } })
}
call('identify', { userId, anonymousId, traits: { plan: 'pro' } })
call('page', { userId, name: 'Home', properties: { url: 'https://shop.example/?utm_source=news' } })
call('track', { userId, event: 'Order Completed', timestamp: new Date(Date.now() - 60_000), properties: { order_id: `o-${runId}`, revenue: 19.99 } })
await Promise.all(delivered)
await analytics.closeAndFlush({ timeout: 30_000 })
proxy.close()
console.log(JSON.stringify({ requests, batches, errors, sent: 8 }))
