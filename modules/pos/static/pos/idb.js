// The till's IndexedDB (PO-8): what must survive a reload, a closed tab or a crash.
//   devices  one record per till this browser sells at: uid, number, signing key, the last
//            sequence it gave (keyPath "till")
//   tickets  every ticket made here, from the moment it is made until long after the server
//            confirmed it (keyPath "key", the idempotency key; index "till_sequence")
//   kv       small things (recent customers, for the consumer search when offline)
(function () {
  "use strict";
  const NAME = "ponton-till";
  const VERSION = 1;
  let opening = null;

  function promised(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function open() {
    if (opening) return opening;
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("devices")) {
          db.createObjectStore("devices", { keyPath: "till" });
        }
        if (!db.objectStoreNames.contains("tickets")) {
          const tickets = db.createObjectStore("tickets", { keyPath: "key" });
          tickets.createIndex("till_sequence", ["till", "sequence"], { unique: true });
        }
        if (!db.objectStoreNames.contains("kv")) {
          db.createObjectStore("kv", { keyPath: "k" });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading the schema: let it, reopen next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
    return opening;
  }

  // One transaction over `stores`; `work(tx)` queues requests, the promise resolves with its
  // result once the transaction is COMMITTED (so "stored" means on disk for IndexedDB).
  async function transact(stores, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(stores, mode);
      let result;
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
      Promise.resolve(work(tx)).then(
        (value) => {
          result = value;
        },
        (error) => {
          try {
            tx.abort();
          } catch (e) {
            /* already finished */
          }
          reject(error);
        },
      );
    });
  }

  async function get(store, key) {
    return transact([store], "readonly", (tx) => promised(tx.objectStore(store).get(key)));
  }

  async function put(store, value) {
    return transact([store], "readwrite", (tx) => promised(tx.objectStore(store).put(value)));
  }

  // A device record, never overwritten (its key and sequence are the device's).
  async function addDevice(record) {
    return transact(["devices"], "readwrite", (tx) => promised(tx.objectStore("devices").add(record)));
  }

  // The tickets of a till, in device order.
  async function tickets(till) {
    return transact(["tickets"], "readonly", (tx) => {
      const range = IDBKeyRange.bound([till, 0], [till, Number.MAX_SAFE_INTEGER]);
      return promised(tx.objectStore("tickets").index("till_sequence").getAll(range));
    });
  }

  // Store a new ticket and move the device's sequence on, in ONE transaction: the ticket is
  // stored with its sequence or not at all. Refused (the promise rejects) when the device's
  // sequence is no longer the one the ticket was numbered from (another tab was faster).
  async function storeTicket(ticket, expectedLast) {
    return transact(["devices", "tickets"], "readwrite", async (tx) => {
      const devices = tx.objectStore("devices");
      const device = await promised(devices.get(ticket.till));
      if (!device || device.last_sequence !== expectedLast) {
        throw new Error("sequence moved");
      }
      device.last_sequence = ticket.sequence;
      devices.put(device);
      await promised(tx.objectStore("tickets").add(ticket));
      return ticket;
    });
  }

  // Change a stored ticket (its sync state only: the payload and signature never change).
  async function updateTicket(key, change) {
    return transact(["tickets"], "readwrite", async (tx) => {
      const store = tx.objectStore("tickets");
      const ticket = await promised(store.get(key));
      if (!ticket) return null;
      Object.assign(ticket, change);
      store.put(ticket);
      return ticket;
    });
  }

  window.PosDB = { open, get, put, addDevice, tickets, storeTicket, updateTicket };
})();
