import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, demoKeys, signIn, type DemoKey } from "../api";
import { describe } from "../errors";
import { isMessageKey, t } from "../i18n";
import { forgetKey, importKeyFile, KeyError, storedKey, storeKey, type DeviceKey } from "../keys";
import type { Party } from "../types";
import { PageTitle, TITLE_ID } from "../title";
import { CreateKey } from "./Keys";

/** Words for a failed sign-in: the key file, the browser, or the server's refusal. */
function signInError(error: unknown, keyId: string | undefined): string {
  if (error instanceof KeyError) return t(`signin.error.${error.code}`);
  if (error instanceof ApiProblem) {
    const key = `signin.error.${error.code}`;
    if (isMessageKey(key)) return t(key, { keyId: keyId ?? "" });
    return t("signin.error.other", { detail: error.problem.detail ?? error.problem.title });
  }
  return describe(error);
}

export function SignIn(props: { onSignedIn: (party: Party) => void }) {
  const [stored, setStored] = useState<DeviceKey | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void storedKey().then(setStored);
  }, []);

  /** Signs in with the key in `text` (a key file), or the stored key. */
  async function signInWith(text: string | undefined) {
    setError(undefined);
    setBusy(true);
    let key: DeviceKey | undefined = stored;
    try {
      if (text !== undefined) {
        key = await importKeyFile(text);
      }
      if (!key) throw new KeyError("key_file_format");
      const party = await signIn(key);
      // Kept only once the service accepted it: a wrong file does not replace a good key.
      await storeKey(key);
      props.onSignedIn(party);
    } catch (e) {
      setError(signInError(e, key?.keyId));
      setBusy(false);
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    const file = fileInput.current?.files?.[0];
    if (!file && !stored) {
      setError(t("signin.noKey"));
      fileInput.current?.focus();
      return;
    }
    await signInWith(file ? await file.text() : undefined);
  }

  async function forget() {
    await forgetKey();
    setStored(undefined);
  }

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("signin.title")}</PageTitle>
      <p>{t("signin.intro")}</p>
      <form onSubmit={submit} class="stack" noValidate>
        {stored && (
          <p class="note">
            {t("signin.stored", { keyId: stored.keyId })}{" "}
            <button type="button" class="link" onClick={forget}>
              {t("signin.forget")}
            </button>
          </p>
        )}
        <div class="field">
          <label for="key-file">{t("signin.keyFile")}</label>
          <input
            id="key-file"
            ref={fileInput}
            type="file"
            accept=".seed,.pem,.key,.txt,text/plain,application/x-pem-file"
            aria-describedby="key-file-hint"
            aria-invalid={error ? "true" : undefined}
          />
          <p id="key-file-hint" class="hint">
            {t("signin.keyFileHint")}
          </p>
        </div>
        <div role="alert" class="error" hidden={!error}>
          {error}
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {busy ? t("signin.busy") : t("signin.submit")}
          </button>
        </div>
      </form>
      <DemoKeys busy={busy} onChoose={(file) => void signInWith(file)} />
      <CreateKey onCreated={setStored} />
    </section>
  );
}

/**
 * The demo parties' test-only key files, offered only by a service started
 * with `ewaybill demo` (elsewhere `GET /v1/demo/keys` answers 404 and
 * nothing shows): one click signs in as the brewery, the carrier, the
 * grocery chain or the police, each in its own browser tab.
 */
function DemoKeys(props: { busy: boolean; onChoose: (keyFile: string) => void }) {
  const [keys, setKeys] = useState<(DemoKey & { href: string })[] | undefined>();
  useEffect(() => {
    // No demo list is no loss: the key file input still works.
    demoKeys().then(
      (found) =>
        setKeys(found?.map((key) => ({ ...key, href: URL.createObjectURL(new Blob([key.key_file], { type: "text/plain" })) }))),
      () => setKeys(undefined),
    );
  }, []);
  if (!keys || keys.length === 0) return null;
  return (
    <section aria-labelledby="demo-keys-title" class="demo-keys">
      <h2 id="demo-keys-title">{t("signin.demo.title")}</h2>
      <p class="warning" role="note">
        {t("signin.demo.warning")}
      </p>
      <ul class="plain">
        {keys.map((key) => (
          <li key={key.handle}>
            <button type="button" disabled={props.busy} onClick={() => props.onChoose(key.key_file)}>
              {t("signin.demo.as", { name: key.name })}
            </button>{" "}
            <span class="hint">
              {kindName(key.kind)} · <code>{key.key_id.slice(0, 12)}…</code> ·{" "}
              <a href={key.href} download={`test-only-${key.handle}.seed`}>
                {t("signin.demo.download")}
              </a>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function kindName(kind: string): string {
  const key = `signin.demo.kind.${kind}`;
  return isMessageKey(key) ? t(key) : kind;
}
