/**
 * Shared vocabulary (as bounded regex sources over the folded view): what counts as sensitive data,
 * as a destination outside the conversation, and as a verb that moves data. Several families use
 * them, so they live in one place. Non-English words are written folded (no accents, lower case).
 */
import { rx } from './safe-regex.js';

/** Local files that hold credentials or private data. */
export const SENSITIVE_PATH = String.raw`(?:(?:~|\$home|%userprofile%|/home/[a-z0-9_.-]{1,32}|/users/[a-z0-9_.-]{1,32}|/root)?/\.(?:ssh|aws|gnupg|kube|docker|azure|gcloud|config/gh|config/gcloud|netrc|npmrc|pypirc|git-credentials|bash_history|zsh_history|psql_history|mysql_history|env|cursor|claude|vault-token|password-store|mozilla|local/share/keyrings)|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|/etc/(?:passwd|shadow|sudoers|ssh/)|\bmcp\.json\b|claude_desktop_config\.json|\blogin data\b|\bwallet\.dat\b|\bkeychain\b|\bkubeconfig\b|(?:^|[\s'"\x60(])\.env\b|\.(?:pem|p12|pfx|kdbx)\b|\.git-credentials|\.netrc\b|\.npmrc\b)`;

/** Names of secrets (English, then other languages). */
export const SECRET_NOUN = String.raw`(?:\b(?:api[ _-]?keys?|access[ _-]?keys?|secret[ _-]?(?:access[ _-]?)?keys?|access[ _-]?tokens?|auth(?:entication|orization)?[ _-]?tokens?|refresh[ _-]?tokens?|session[ _-]?(?:tokens?|cookies?)|(?:auth|login|browser) cookies|bearer[ _-]?tokens?|oauth[ _-]?tokens?|personal access tokens?|(?:bank(?:ing)?|login|account|online banking) (?:details|credentials|logins?|information|info|numbers?|pins?)|passwords?|passwd|passphrases?|secrets|credentials?|private[ _-]?keys?|ssh[ _-]?keys?|signing[ _-]?keys?|seed[ _-]?phrases?|mnemonics?|recovery[ _-]?phrases?|(?:github|gitlab|npm|slack|discord|jwt|id) tokens?|2fa codes?|otp codes?|one-time codes?|credit[ _-]?card(?: numbers?)?|card numbers?|cvv|social security numbers?|claves? (?:de )?api|contrasenas?|cles? api|mots? de passe|jetons?|api-schlussel|passwort(?:er)?|kennwort|zugangsdaten|chiavi api|senhas?)|ключ[а-я]{0,3}|парол[а-я]{0,3}|токен[а-я]{0,3}|密钥|密码|令牌|凭证|凭据|パスワード|トークン|秘密鍵)`;

/** Environment variable names that hold secrets (folded to lower case). */
export const SECRET_ENV = String.raw`\b[a-z][a-z0-9_]{1,40}_(?:api_key|token|secret|secret_key|secret_access_key|password|pat|access_key|private_key)\b`;

/** The conversation itself and the user's private data. */
export const CONVERSATION = String.raw`(?:(?:conversation|chat|dialog(?:ue)?|session) (?:history|transcript|log|logs|so far|context|contents)|(?:full|entire|whole|complete) (?:conversation|chat|dialog(?:ue)?)(?: history| transcript| log)?|(?:previous|prior|earlier|recent|all(?: the)?(?: previous| prior| other| recent)?) (?:user |chat )?(?:messages|conversation|prompts)|system prompt|(?:every|each|all) (?:user|chat|conversation) messages?|(?:every|each|all) messages? (?:from|of|by|in) (?:the )?(?:user|conversation|chat)|(?:recent|latest|last(?: \d{1,3})?|private) (?:messages|chats|conversations|e-?mails|dms)|the user'?s? (?:recent |latest |last |previous |private |own |personal )?(?:messages|data|files|documents|contacts|location|address|e-?mails?|inbox|history|personal (?:data|information)|pii)|list of (?:chats|contacts)|chat transcript|gesprachsverlauf|chatverlauf|historial (?:de la )?(?:conversacion|chat)|historique (?:de la )?conversation|toute la conversation|cronologia (?:della )?chat|истори[а-я]{0,2} (?:переписки|чата|разговора|диалога)|对话(?:历史|记录)|聊天记录|会話履歴)`;

/** The user's private data and what the user typed. */
export const PRIVATE_DATA = String.raw`(?:(?:the user'?s? )?home (?:directory|folder) (?:listing|contents)|\b(?:everything|anything|whatever|what|all|things?|questions?|text|words|stuff)\b[^\n]{0,25}?\b(?:the user|they|you) (?:has |have |just )?(?:typed|asked|said|wrote|written|entered|told you|shared|sent|mentioned|pasted)\b|\b(?:health|medical) (?:records|history|data)|\blocation (?:history|data)|\bgps (?:location|coordinates)|\bip address(?:es)?\b|\b(?:open |browser )tabs\b|\bbrowsing history|\b(?:output|result) of [\x60'"]?(?:whoami|id|hostname|uname|ifconfig|ip a|env|printenv|history)\b|browser (?:history|cookies|passwords)|contacts? lists?|phone numbers|shell history|command history|clipboard|conversacion completa)`;

/** Destinations outside the conversation: URLs, IPs, e-mail addresses, phone numbers. */
export const EXTERNAL_DEST = String.raw`(?:\bhttps?://[a-z0-9.-]{1,100}|\b(?:s3|gs|ftp|sftp|wss?|az|hdfs)://[a-z0-9.-]{1,100}|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|[a-z0-9._%+-]{1,40}@[a-z0-9.-]{2,60}\.[a-z]{2,10}\b|\+\d{7,15}\b|\b[a-z0-9-]{2,40}\.(?:com|net|org|io|dev|app|xyz|ru|cn|cloud|site|info|me|co|tk|top)/[a-z0-9/_-]{1,60})`;

/** A tool parameter named as the place to put something ("as the `note` parameter", "in the memo field"). */
export const PARAM_DEST = String.raw`(?:\b(?:as|in|into|inside|to|under|via|within|using|en el|dans le|im|nel|no|в) (?:the |a |its |an |this |that |le |el |il |o |den |das )?(?:parametro |parametre |parameter |campo |champ |feld )?['"\x60]?[a-z_][a-z0-9_]{0,40}['"\x60]? (?:parameter|argument|field|param|arg|property|attribute|input)s?\b|\b(?:parameter|argument|field|param)s? ['"\x60]?[a-z_][a-z0-9_]{0,40}|参数|引数|параметр)`;

/** Verbs that move data somewhere (not negated when used; checked by the rules). */
export const MOVE_VERB = String.raw`(?:\b(?:send|sends|sending|forward|forwards|upload|uploads|post|posts|transmit|exfiltrate|leak|copy|copies|include|includes|pass|passes|put|insert|attach|embed|append|paste|submit|share|encode|mirror|bcc|provide|dump|report|envia|enviar|envie|manda|mandar|sende|senden|schick[a-z]{0,2}|ubermittle|envoie|envoyer|envoyez|transmets|invia|inviare)\b|(?<!\b(?:by|an|the|via|your|of|per|in|an|new|send|an) )\be-?mail (?:it|them|this|that|every|all|a copy|each|everything|to)\b|отправ[а-я]{0,4}|перешли|пошли|передай|发送|发到|发给|上传|放在|附加|送信|送って)`;

/** Verbs that acquire data (read a file, collect secrets). */
export const READ_VERB = String.raw`(?:\b(?:read|reads|reading|cat|open|load|look up|lookup|collect|gather|extract|dump|grab|copy|scan|lies|lese|lee|leer|lis|lire|leggi|leia)\b|прочитай|прочти|считай|读取|读|読み|読んで)`;

/** "Every/all/a copy of" — a standing order to move everything, in several languages. */
export const ALL_QUANT = String.raw`(?:\b(?:every|all|each|any|everything|a copy of|copies of|the full|the entire|the whole|the complete|gesamt[a-z]{0,2}|alle[nrs]?|todo|toda|todos|todas|tout|toute|tous|toutes|tutti|tutto)\b|все|всю|всё|全部|所有)`;

export const reSensitivePath = rx(SENSITIVE_PATH);
export const reSecretNoun = rx(SECRET_NOUN);
export const reSecretEnv = rx(SECRET_ENV);
export const reConversation = rx(CONVERSATION);
export const rePrivateData = rx(PRIVATE_DATA);
export const reExternalDest = rx(EXTERNAL_DEST);
export const reParamDest = rx(PARAM_DEST);
export const reMoveVerb = rx(MOVE_VERB);
/** Passive forms ("must be mailed to …") count only with a fixed external address (exfiltration.broadcast). */
export const reMoveOrPassive = rx(`(?:${MOVE_VERB}|\\b(?:sent|forwarded|uploaded|posted|transmitted|mailed|e-?mailed|copied|bcc'?d|cc'?d)\\b)`);
/** "add it to the city parameter". */
/** Passive forms count when the destination is a parameter ("must be copied into the dictionary parameter"). */
export const rePassive = rx(`\\b(?:must|should|shall|needs? to|has to|have to|is to|are to)(?: also| always)? be (?:sent|forwarded|uploaded|posted|copied|pasted|put|placed|inserted|attached|appended|included|added|written)\\b`);
export const reAddToParam = rx(`\\badd (?:it|them|this|that|these|its value|the value|them all) (?:to|into) (?:the )?['"\x60]?[a-z_][a-z0-9_]{0,40}['"\x60]? (?:parameter|argument|field|param|property)\\b`);
export const reReadVerb = rx(READ_VERB);
export const reAllQuant = rx(ALL_QUANT);

const DEST_GATE = rx('@|://|\\+\\d|\\d\\.\\d|\\.(?:com|net|org|io|dev|app|xyz|ru|cn|cloud|site|info|me|co|tk|top)/');

/** Cheap necessary condition for EXTERNAL_DEST (whose e-mail branch is costly to try at every position). */
export const mayHaveDest = (s: string): boolean =>
  s.includes('@') || s.includes('://') || (s.includes('+') && has(DEST_GATE, s)) || (s.includes('.') && has(DEST_GATE, s));

/** True if `re` matches somewhere in `s` at a place not negated just before. */
export function hasUnnegated(re: RegExp, s: string, negWindow = 16): boolean {
  re.lastIndex = 0;
  for (let k = 0; k < 8; k++) {
    const m = re.exec(s);
    if (m === null) return false;
    if (m[0].length === 0) re.lastIndex++;
    const before = s.slice(Math.max(0, m.index - negWindow), m.index);
    if (!/\b(?:not|never|no|don't|dont|doesn't|won't|isn't|without|nor|cannot|can't|nothing)\b/.test(before)) return true;
  }
  return false;
}

export function has(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}
