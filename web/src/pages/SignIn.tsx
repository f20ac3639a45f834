import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, signIn } from "../api";
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

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    const file = fileInput.current?.files?.[0];
    if (!file && !stored) {
      setError(t("signin.noKey"));
      fileInput.current?.focus();
      return;
    }
    setBusy(true);
    let key: DeviceKey | undefined = stored;
    try {
      if (file) {
        key = await importKeyFile(await file.text());
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
      <CreateKey onCreated={setStored} />
    </section>
  );
}
