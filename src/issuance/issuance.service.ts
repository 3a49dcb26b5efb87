/**
 * The issuance core: every credential this service signs passes through here, whatever made it (a
 * single issue, a cohort, an hours award, a CLR, VC-API's /credentials/issue). The caller says what
 * the document is (its `build`) and how the row is kept; the core gives it a status index, builds it,
 * signs it on the worker pool and stores it:
 *
 *   prepare   index from the instance's reserve → document → signed (nothing written yet)
 *   store     the one function that writes signed credentials: alone, they share a statement with
 *             concurrent issues (the grouped writer); in a caller's short transaction when something
 *             must stand or fall with them (the hours award)
 *   issue     prepare, then store
 *   issueMany a cohort: its indexes allocated at once, chunks signed while the one before is written
 *
 * Nothing signs inside an open transaction: a transaction holds the issuer's status list and a
 * connection (PGlite has only one) for as long as it is open, and signing is the slow part.
 *
 * Each credential is stored with its outbox row (src/delivery); the core tells the outbox's sender
 * when there is new mail, and holds it back while a cohort is being issued here.
 */
import { randomUUID } from 'node:crypto';
import type { KeyStore } from '../issuers/key-store.js';
import type { UnsignedCredential } from '../crypto/securing.js';
import type { CredentialSigner, SignedPair } from '../crypto/signer.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import {
  composeIssuedCredentialsInsert,
  createCredentialWriter,
  insertIssuedCredentials,
  type InitialDelivery,
  type NewCredential,
} from './issued-credential.repository.js';
import type { StatusService, StatusSlot } from '../status/status.service.js';
import type { Urls } from '../urls.js';

/** Where a document's status entry points. */
export interface StatusEntry {
  listUrl: string;
  index: number;
}

export interface Securing {
  /** A Data Integrity proof (eddsa-rdfc-2022) besides the JWT, which every credential gets. */
  dataIntegrity: boolean;
  jwtAlgorithm: 'EdDSA' | 'RS256';
}

export interface IssuePlan {
  /** The unsigned document, given its row id, its page URL and the status index allocated to it. */
  build(at: { id: string; url: string; status: StatusEntry }): UnsignedCredential;
  securing: Securing;
  /** false: her learner is not sent it by e-mail (its delivery says 'not-requested'). Default true. */
  deliver?: boolean;
  /** How the row is kept: everything but what the core adds (ids, the signed forms, the index, the delivery). */
  row: Omit<NewCredential, 'id' | 'issuerId' | 'document' | 'jwt' | 'status' | 'delivery'>;
}

/**
 * What the core asks of the outbox's sender (src/delivery implements it; services.ts wires it).
 * Declared here, by its user, so that issuing depends on no part of delivery.
 */
export interface Outbox {
  /** Whether mail goes out at all (SMTP_URL set); when not, deliveries start 'not-configured'. */
  readonly sending: boolean;
  /** New mail is committed: look now rather than at the next poll. */
  nudge(): void;
  /** A cohort is being issued here: send nothing new until the returned release is called. */
  hold(): () => void;
}

/** A credential built and signed, ready to be stored. */
export interface PreparedCredential {
  id: string;
  url: string;
  credential: Record<string, unknown>;
  jwt: string;
  record: NewCredential;
}

/** Rows per cohort chunk: large enough for one fast insert, small enough that a crash loses little. */
export const CHUNK = 500;

export type Issuance = ReturnType<typeof createIssuance>;

export function createIssuance(deps: { db: Db; urls: Urls; keys: KeyStore; status: StatusService; signer: CredentialSigner; outbox: Outbox }) {
  const { db, urls, keys, status, signer, outbox } = deps;
  const writer = createCredentialWriter(db);

  const initialDelivery = (plan: IssuePlan): InitialDelivery => (plan.deliver === false ? 'not-requested' : outbox.sending ? 'pending' : 'not-configured');

  /**
   * The one signing function: builds each plan's document at its index and signs them on the
   * workers, grouped by the keys they need (Data Integrity or not, EdDSA or RS256 JWT).
   */
  async function buildAndSign(issuer: IssuerRow, plans: IssuePlan[], slots: StatusSlot[]): Promise<PreparedCredential[]> {
    const signingKeys = await keys.activeKeys(issuer.id, urls.issuerDid(issuer.slug));
    const drafts = plans.map((plan, i) => {
      const id = randomUUID();
      const slot = slots[i]!;
      const url = urls.credential(id);
      return { id, url, slot, unsigned: plan.build({ id, url, status: { listUrl: urls.statusList(slot.listId), index: slot.index } }) };
    });
    const prepared = new Array<PreparedCredential>(plans.length);
    const groups = (['EdDSA', 'RS256'] as const).flatMap((jwtAlgorithm) => [true, false].map((dataIntegrity) => ({ jwtAlgorithm, dataIntegrity })));
    await Promise.all(
      groups.map(async (group) => {
        const positions = plans.flatMap((plan, i) =>
          plan.securing.jwtAlgorithm === group.jwtAlgorithm && plan.securing.dataIntegrity === group.dataIntegrity ? [i] : [],
        );
        if (positions.length === 0) return;
        const pairs: SignedPair[] = await signer.sign(
          positions.map((i) => drafts[i]!.unsigned),
          group.dataIntegrity ? signingKeys.ed25519 : null,
          group.jwtAlgorithm === 'RS256' ? signingKeys.rs256 : signingKeys.ed25519,
        );
        positions.forEach((position, k) => {
          const { id, url, slot } = drafts[position]!;
          const { signed, jwt } = pairs[k]!;
          const plan = plans[position]!;
          const record: NewCredential = { ...plan.row, id, issuerId: issuer.id, document: signed, jwt, status: slot, delivery: initialDelivery(plan) };
          prepared[position] = { id, url, credential: signed, jwt, record };
        });
      }),
    );
    return prepared;
  }

  async function prepare(issuer: IssuerRow, plan: IssuePlan): Promise<PreparedCredential> {
    // From the instance's reserve: no allocation query, and no list lock held while signing. An
    // index whose credential is then refused or fails is simply never used.
    const slot = await status.take(issuer.id);
    return (await buildAndSign(issuer, [plan], [slot]))[0]!;
  }

  /**
   * The one function that stores signed credentials. Inside a caller's transaction the mail waits
   * for the sender's next poll: it cannot be nudged before the caller commits.
   */
  async function store(prepared: PreparedCredential[], transaction?: Db): Promise<void> {
    if (transaction)
      return insertIssuedCredentials(
        transaction,
        prepared.map((p) => p.record),
      );
    await Promise.all(prepared.map((p) => writer.write(p.record)));
    outbox.nudge();
  }

  /** A cohort's chunks, signed while the one before is written (see issueMany). */
  async function issueChunks(issuer: IssuerRow, plans: IssuePlan[], onWritten: (first: number, stored: PreparedCredential[]) => void): Promise<void> {
    const slots = await status.allocate(db, issuer.id, plans.length);
    const starts: number[] = [];
    for (let i = 0; i < plans.length; i += CHUNK) starts.push(i);
    const ready = async (start: number) => {
      const prepared = await buildAndSign(issuer, plans.slice(start, start + CHUNK), slots.slice(start, start + CHUNK));
      return {
        prepared,
        statement: composeIssuedCredentialsInsert(
          db,
          prepared.map((p) => p.record),
        ),
      };
    };
    let next = ready(starts[0]!);
    for (let k = 0; k < starts.length; k++) {
      const { prepared, statement } = await next;
      const writing = db.executeQuery(statement);
      // Should the write fail, it is answered below; should the next chunk's signing fail while
      // this one is written, it is answered on the next turn or, after a failed write, never.
      writing.catch(() => {});
      if (k + 1 < starts.length) {
        next = ready(starts[k + 1]!);
        next.catch(() => {});
      }
      await writing;
      onWritten(starts[k]!, prepared);
    }
  }

  return {
    prepare,
    store,

    async issue(issuer: IssuerRow, plan: IssuePlan): Promise<PreparedCredential> {
      const prepared = await prepare(issuer, plan);
      await store([prepared]);
      return prepared;
    },

    /**
     * Issues a cohort chunk by chunk, as a pipeline: while the database writes one chunk, the next
     * is signed on the workers and its statement put together here. The indexes are handed out
     * first, in one statement (a counter moved); those of rows a crash keeps from being written are
     * never used. Each chunk is one statement: all of it or none. `onWritten` hears of each chunk
     * once it is stored (the plans' positions and what was stored for them).
     */
    async issueMany(issuer: IssuerRow, plans: IssuePlan[], onWritten: (first: number, stored: PreparedCredential[]) => void): Promise<void> {
      if (plans.length === 0) return;
      // The cohort's mail goes once it is issued (other instances may send it meanwhile): building
      // mail here would take the main thread from signing and composing the cohort's statements.
      const release = outbox.hold();
      try {
        await issueChunks(issuer, plans, onWritten);
      } finally {
        release();
      }
    },
  };
}
