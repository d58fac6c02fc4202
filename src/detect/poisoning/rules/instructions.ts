/**
 * Family "instructions": text addressed to the model instead of describing the tool — overrides of
 * earlier instructions, secrecy towards the user, "before using this tool read/call …", role and
 * format confusion (chat-template tokens, fake <system> tags, "System:" lines), coercive priority
 * claims and deception. Patterns key on the intent (verb + object), not on particular sentences.
 */
import { after, negatedBefore, type FieldCtx, type PatternRule } from '../engine.js';
import { alt, gap, rx } from '../safe-regex.js';
import type { Severity } from '../types.js';
import { hasUnnegated, reConversation, rePrivateData, reExternalDest, reReadVerb, reSecretEnv, reSecretNoun, reSensitivePath, has } from '../vocab.js';
import { toolRefs } from './refs.js';

const F = 'instructions' as const;

const IGNORE = alt(['ignore', 'ignoring', 'disregard', 'disregarding', 'forget', 'forgetting', 'neglect', 'abandon', 'discard', 'drop']);
const QUAL = alt(['previous', 'prior', 'preceding', 'earlier', 'above', 'former', 'original', 'initial', 'all', 'any', 'your', 'system', 'developer', 'safety', 'old', 'existing', 'other']);
const QUAL_STRONG = alt(['previous', 'prior', 'preceding', 'earlier', 'above', 'former', 'original', 'initial', 'your', 'safety', 'old']);
const OBJ_STRONG = alt(['instructions?', 'prompts?', 'guidelines?', 'guidance', 'directives?', 'directions', 'programming', 'system prompt', 'system message']);
const OBJ_WEAK = alt(['rules', 'polic(?:y|ies)', 'constraints', 'restrictions', 'context', 'commands', 'orders', 'messages', 'safeguards', 'filters', 'training']);

/**
 * Discard a match negated just before it ("do not ignore the previous instructions"); lower one that
 * is quoted as an example ("detects phrases like \"ignore previous instructions\"") — a mention, not a use.
 */
const notNegated = (sev: Severity) => (m: RegExpExecArray, fc: FieldCtx): Severity | null => {
  const t = fc.view.text;
  if (negatedBefore(t, m.index, 16)) return null;
  const q = t[m.index - 1];
  const end = m.index + m[0].length;
  const quoted = (q === '"' || q === "'" || q === '`') && t.slice(end, end + 24).includes(q);
  if (!quoted) return sev;
  return /\b(?:like|such as|e\.g\.|for example|phrases?|patterns?|strings?|detects?|flags?|blocks?|filters?|scans? for|checks? for)\b[^\n]{0,20}$/.test(t.slice(Math.max(0, m.index - 40), m.index)) ? 'low' : 'medium';
};

/** Secrecy is benign when it is about a secret value ("never show the API key to the user"). */
const SECRET_VALUE = /\b(?:api key|key|keys|password|passphrase|token|credential|pin|otp|ssn|card number|secret value|personal data|full value|raw value)\b/;

/** What "before using this tool, …" asks for decides its severity. */
function beforeUseSeverity(m: RegExpExecArray, fc: FieldCtx): Severity | null {
  if (negatedBefore(fc.view.text, m.index, 12)) return null;
  const tail = after(fc.view.text, m, 160);
  // Identifiers count by their words: `list_credentials` mentions credentials.
  const whole = (m[0] + tail).replace(/_/g, ' ');
  if (has(reSensitivePath, whole) || has(reSecretNoun, whole) || has(reSecretEnv, whole) || has(reConversation, whole) || has(rePrivateData, whole)) return 'high';
  if (has(reExternalDest, whole)) return 'high';
  if (/\b(?:do not|don't|never|without) (?:tell|mention|inform)/.test(tail)) return 'high';
  if (hasUnnegated(reReadVerb, tail) && /(?:\/|\bfiles?\b|\bdirector(?:y|ies)\b|\bfolder\b)/.test(tail)) return 'medium';
  const refs = toolRefs(whole, fc.item);
  if (refs.foreign.length > 0 || refs.unknown.length > 0) return 'medium';
  return 'low';
}

/** A role label at a line start is benign documentation unless what follows talks to the model. */
function roleLabelSeverity(m: RegExpExecArray, fc: FieldCtx): Severity | null {
  const tail = after(fc.view.text, m, 120);
  if (/\b(?:you|your|must|never|always|ignore|disregard|assistant|comply|obey|execute|policy|from now|instructions?|override|granted|rules|the user has|sure, i will)\b/.test(tail)) return 'high';
  return 'medium';
}

/** Chat-template tokens quoted as code (a tokenizer documenting them) are only noted. */
function quotedToken(sev: Severity) {
  return (m: RegExpExecArray, fc: FieldCtx): Severity | null => {
    const t = fc.view.text;
    const before = t[m.index - 1];
    const next = t[m.index + m[0].length];
    if (before === '`' || before === '"' || before === "'" || next === '`') return 'low';
    if (/\b(?:token|tokens|tokenizer|chatml|template|such as|like|e\.g\.)\b/.test(t.slice(Math.max(0, m.index - 40), m.index))) return 'low';
    return sev;
  };
}

export const INSTRUCTION_RULES: readonly PatternRule[] = [
  // Overrides of earlier instructions.
  { id: 'instructions.override', family: F, severity: 'critical', explain: 'Tells the model to ignore or forget its earlier instructions.', hints: ['ignor', 'disregard', 'forget', 'neglect', 'abandon', 'discard', 'drop'],
    re: rx(`\\b${IGNORE}\\b${gap(40)}?\\b${QUAL}\\b${gap(25)}?\\b${OBJ_STRONG}\\b`), check: notNegated('critical') },
  { id: 'instructions.override', family: F, severity: 'high', explain: 'Tells the model to ignore earlier rules or context.', hints: ['ignor', 'disregard', 'forget', 'neglect', 'abandon', 'discard', 'drop'],
    re: rx(`\\b${IGNORE}\\b${gap(30)}?\\b${QUAL_STRONG}\\b${gap(20)}?\\b${OBJ_WEAK}\\b`), check: notNegated('high') },
  { id: 'instructions.override', family: F, severity: 'critical', explain: 'Tells the model to forget what it was told before.', hints: ['forget'],
    re: rx(`\\bforget (?:everything|all|what(?:ever)?|anything)\\b${gap(20)}?\\b(?:you|told|above|before|said|were|was|previously|earlier)\\b`), check: notNegated('critical') },
  { id: 'instructions.override', family: F, severity: 'high', explain: 'Tells the model to bypass its system prompt, guidelines or safety rules.', hints: ['overrid', 'bypass', 'circumvent', 'overrul', 'disabl', 'turn off', 'switch off', 'suspend', 'lift'],
    re: rx(`\\b(?:override|bypass|circumvent|overrule|disable|turn off|switch off|suspend|lift)\\b${gap(20)}?\\b(?:system prompt|system message|(?:your|the|all|any|previous|prior)?\\s?(?:instructions|guidelines|guardrails|safety (?:rules|guidelines|filters|policy|checks|measures)|content polic(?:y|ies)|restrictions on you))\\b`), check: notNegated('high') },
  { id: 'instructions.override', family: F, severity: 'critical', explain: 'Tells the model (in another language) to ignore its previous instructions.', hints: ['ignor', 'olvida', 'omite', 'oubli', 'dimentica', 'игнорир', 'забуд', '忽略', '无视', '忽视', '忘记', '忘掉', '指示', '命令', 'ルール', '지시', '명령'],
    re: rx(`(?:ignorier[a-z]{0,3}\\b${gap(30)}(?:anweisungen|instruktionen|vorgaben|befehle)|(?:ignora|ignore|olvida|omite)[a-z]{0,3}\\b${gap(30)}(?:instrucciones|indicaciones|instrucoes)|(?:ignore|ignorez|oublie|oubliez)\\b${gap(30)}(?:instructions|consignes|directives) (?:precedentes|anterieures)|(?:ignora|dimentica)\\b${gap(30)}istruzioni|(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте)${gap(30)}(?:инструкци|указани|правил)|(?:忽略|无视|忽视|忘记|忘掉)${gap(12)}(?:指令|指示|说明|规则|提示)|(?:指示|命令|ルール)${gap(12)}(?:無視|忘れ)|(?:지시|명령)${gap(12)}무시)`) },

  { id: 'instructions.override', family: F, severity: 'critical', explain: 'Declares the model\'s earlier instructions void.', hints: ['void', 'invalid', 'obsolete', 'cancel', 'revoked', 'no longer', 'supersede', 'replaced', 'null', 'only rules', 'only instructions'],
    // "the only guidelines/directives that apply" has none of these hints.
    hintsIncomplete: true,
    re: rx(`(?:\\b${QUAL_STRONG}\\b (?:[a-z]{1,12} )?${alt([OBJ_STRONG, OBJ_WEAK])} (?:are|is|have been|has been|were) (?:now |hereby |all )?(?:void|invalid|obsolete|cancell?ed|revoked|no longer (?:valid|in effect|apply|applicable|relevant)|superseded|replaced|null)\\b|\\bthe only (?:rules|instructions|guidelines|directives) (?:that )?(?:apply|matter|count|you (?:follow|obey))\\b)`), check: notNegated('critical') },

  // Secrecy towards the user.
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Asks the model to keep something from the user.', hints: ['do not', "n't", 'dont', 'never', 'must not', 'should not', 'not to', 'avoid'],
    re: rx(`\\b(?:do not|don't|dont|never|must not|mustn't|should not|shouldn't|not to|avoid)\\b (?:ever )?(tell|telling|inform|informing|notify|notifying|mention|mentioning|reveal|revealing|disclose|disclosing|alert|alerting|let on|show|showing|report|reporting|bring up|explain|acknowledge)\\b(${gap(40)}?)\\b(?:the )?(?:user|users|human|operator|customer|person you are (?:talking|chatting|speaking) (?:to|with)|requester)\\b`),
    check: (m) => (SECRET_VALUE.test(m[2] ?? '') ? null : /^(?:show|showing|report|reporting|explain|acknowledge|bring up)$/.test(m[1] ?? '') ? 'medium' : 'high') },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Asks the model not to mention this text or what the tool does.', hints: ['do not', "n't", 'dont', 'never', 'must not', 'should not'],
    re: rx(`\\b(?:do not|don't|dont|never|must not|should not)\\b (?:ever )?(?:mention|reveal|disclose|acknowledge|talk about|bring up|discuss|say anything about|refer to|explain)\\b (?:this|these|that|it|any of (?:this|these|its)|how|why|where|the (?:above|following|note|notes|instructions?|step|fact|request|call|extra|additional|hidden|side ?effects?|tool'?s? (?:name|notes|instructions)))\\b`) },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Asks the model to hide something from the user.', hints: ['keep', 'hide', 'conceal', 'withhold', 'remain', 'stay', 'hidden', 'secret'],
    re: rx(`(?:\\b(?:keep|hide|conceal|withhold)\\b${gap(30)}?\\bfrom (?:the )?(?:user|users|human)\\b|\\bhide the fact\\b|\\b(?:keep|remain|stay) (?:this|it|that|these)\\b${gap(15)}?\\b(?:secret|hidden|confidential|private|between us)\\b|\\b(?:this is|it is|is) (?:a |an )?(?:hidden|secret) (?:requirement|instruction|step)\\b)`) },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Asks the model to keep this text confidential or out of its reply.', hints: ['keep', 'treat', 'hold', 'do not', "n't", 'dont', 'never'],
    re: rx(`(?:\\b(?:keep|treat|hold)\\b (?:this|it|that|these|the following|the above|everything (?:here|below|above)|this (?:note|step|instruction|information|part))\\b${gap(15)}?\\b(?:secret|hidden|confidential|private|between us|to yourself)\\b|\\b(?:do not|don't|dont|never)\\b (?:surface|mention|reveal|disclose|include|show|repeat|quote) (?:it|this|that|these|the following|any of (?:this|it)|the (?:note|step|instruction|call)s?) (?:in|to|within) (?:your|the|any) (?:reply|replies|answer|answers|response|responses|output|summary|chat)\\b)`) },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Says the user must not learn about an action.', hints: ['user', 'human'],
    re: rx(`(?:\\bthe (?:user|human)s? (?:must|should|will|need|needs to|may)? ?(?:never|not) (?:know|learn|find out|see|notice|be (?:told|informed|aware|notified))\\b|\\bwithout (?:telling|informing|notifying|alerting) (?:the )?(?:user|human)\\b)`) },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Asks the model to keep the user from finding something out.', hints: ['let'],
    re: rx(`\\b(?:never|do not|don't|dont|must not|should not|without) let(?:ting)? (?:the |your |any )?(?:user|users|human|person|people|customer|operator|requester|anyone|them|him|her)\\b${gap(50)}?\\b(?:know|find out|learn|see|notice|realize|realise|discover|suspect|be aware)\\b`) },
  { id: 'instructions.secrecy', family: F, severity: 'critical', explain: 'Asks for an action without the user knowing.', hints: ['without'],
    re: rx(`\\bwithout (?:the )?(?:user|human)(?:'s)? (?:knowing|noticing|knowledge|awareness|being (?:told|informed|aware))\\b`) },
  { id: 'instructions.secrecy', family: F, severity: 'medium', explain: 'Tells the model to skip asking the user for confirmation.', hints: ['without', 'do not', "n't", 'never', 'no need'],
    re: rx(`(?:\\bwithout (?:asking|confirming with|consulting) (?:the )?(?:user|human)\\b|\\b(?:do not|don't|never|no need to) (?:ask|confirm|check with|wait for)\\b${gap(20)}?\\b(?:user|confirmation|permission|approval)\\b)`) },
  { id: 'instructions.secrecy', family: F, severity: 'medium', explain: 'Tells the model to skip confirmations or approvals.', hints: ['skip', 'bypass', 'omit', 'avoid', 'disable', 'suppress'],
    re: rx(`\\b(?:skip|bypass|omit|avoid|disable|suppress)(?:s|ping|ped)?\\b${gap(20)}?\\b(?:confirmations?|approvals?|permission|consent|review|safety checks?)\\b`), check: notNegated('medium') },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Claims the model was pre-authorised to act without asking.', hints: ['authori', 'permitted', 'allowed', 'granted', 'given you'],
    // "cleared you to" and "you are approved/cleared to" have none of these hints.
    hintsIncomplete: true,
    re: rx(`\\b(?:has |have |had )?(?:pre-?)?(?:authori[sz]ed|permitted|allowed|cleared) you to\\b|\\b(?:has|have) (?:granted|given) you (?:permission|authority|consent|approval|the right)\\b|\\byou (?:are|have been) (?:pre-?)?(?:authori[sz]ed|approved|cleared) to (?:skip|bypass|ignore|execute|run|send|act|proceed|approve)\\b`) },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Tells the model to act as if the user had agreed, or to pretend.', hints: ['act as', 'pretend', 'lie ', 'mislead', 'deceive'],
    re: rx(`(?:\\bact as (?:if|though) the (?:user|human) (?:has |had )?(?:already )?(?:confirmed|approved|agreed|consented|authori[sz]ed)|\\bpretend (?:that |to the user |you |to be the user)|\\b(?:lie|mislead|deceive) (?:to )?(?:the )?(?:user|human))`) },
  { id: 'instructions.secrecy', family: F, severity: 'high', explain: 'Asks the model (in another language) to keep something from the user.', hints: ['usuario', 'utilizador', 'benutzer', 'nutzer', 'anwender', 'utilisateur', 'utente', 'пользовател', '用户', 'ユーザー'],
    re: rx(`(?:\\bno (?:le |les )?(?:digas|cuentes|menciones|informes|reveles|comentes|avises)\\b${gap(25)}usuario|\\bsin (?:decirle|informar|avisar)[a-z]{0,3}${gap(10)}usuario|\\b(?:nicht|niemals|nie)\\b${gap(25)}(?:benutzer|nutzer|anwender)${gap(25)}(?:sagen|erzahlen|mitteilen|verraten|erwahnen|informieren)|\\b(?:sag|sage|erzahl|erzahle|verrate|erwahne)\\b (?:dem |den )?(?:benutzer|nutzer|anwender)${gap(15)}(?:nichts|nicht)|\\bne (?:dis|dites|mentionne|mentionnez|revele|revelez|signale|signalez|parle|parlez)\\b${gap(30)}utilisateur|\\bsans (?:le |lui )?(?:dire|informer|prevenir)${gap(12)}utilisateur|\\bnao (?:conte|diga|mencione|informe|revele)\\b${gap(25)}(?:usuario|utilizador)|\\bnon (?:dire|dirlo|menzionare|rivelare|informare)\\b${gap(25)}utente|не (?:говори|сообщай|рассказывай|упоминай|сообщайте|говорите|рассказывайте)${gap(30)}пользовател|(?:不要|别|不得|切勿)${gap(6)}(?:告诉|通知|告知|提及|透露)${gap(4)}用户|不要让用户知道|对用户保密|ユーザー${gap(6)}(?:伝え|言わ|知らせ|教え)ないで)`) },

  // "Before using this tool, read … / call …"
  { id: 'instructions.before-use', family: F, severity: 'medium', explain: 'Tells the model to do something else before it may use this tool.', hints: ['before', 'prior to', 'ahead of'],
    re: rx(`\\b(?:before|prior to|ahead of|first,? before)\\b (?:using|calling|invoking|running|executing|you use|you call|you invoke|any use of|each use of|every use of|each call to|every call to|the first use of|use of)\\b${gap(25)}?\\b(?:this|the|any|each|every|these)\\b${gap(12)}?\\b(?:tool|function|tools|api|server)\\b`), check: beforeUseSeverity },
  { id: 'instructions.before-use', family: F, severity: 'medium', explain: 'Makes the tool depend on the model first reading or sending other data.', hints: ['before', 'otherwise'],
    re: rx(`\\b(?:you (?:must|need to|have to|should)|always|first)\\b (?:first )?(?:read|open|load|fetch|collect|call|invoke|run)\\b${gap(80)}?\\b(?:before (?:using|calling|invoking) (?:this|the) (?:tool|function)|otherwise (?:the|this) tool)\\b`), check: beforeUseSeverity },
  { id: 'instructions.coercion', family: F, severity: 'medium', explain: 'Threatens failure or harm to make the model comply.', hints: ['otherwise', 'the tool will', 'failure to', 'corrupt', 'destroy', 'wipe', 'will lose', 'would lose'],
    re: rx(`(?:\\botherwise,? (?:the tool|this tool|it|this|the function|everything) (?:will|would|may|might|is going to) (?:not work|fail|crash|break|error|malfunction|stop working|return (?:wrong|incorrect|no|empty))|\\bor (?:else )?the tool will (?:fail|not work|crash|break)|\\bfailure to (?:comply|follow|obey|do so)\\b|\\b(?:will|would) (?:corrupt|destroy|wipe|lose) (?:the )?(?:user'?s? )?(?:data|files|account))`) },

  // Role and format confusion.
  { id: 'instructions.role-token', family: F, severity: 'high', explain: 'Contains a chat-template control token that can open a fake system or user turn.', hints: ['<|', 'inst]', '<<sys>>', '<</sys>>', '_of_turn>'],
    re: rx(`(?:<\\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\\|>|\\[/?inst\\]|<</?sys>>|<(?:start|end)_of_turn>)`), check: quotedToken('high') },
  { id: 'instructions.fake-tag', family: F, severity: 'high', explain: 'Contains a tag that imitates a system, instruction or end-of-description boundary.', hints: ['<'],
    re: rx(`(?:</?(?:system|instructions?|admin|developer|sys|system[_ -]?prompt|override|secret|hidden|model|ai|agent|policy|assistant_instructions|rules)>|</(?:description|tool_description|tool|function|tool_use|tools|functions|tool_result|document)>)`), check: quotedToken('high') },
  { id: 'instructions.fake-tag', family: F, severity: 'medium', explain: 'Uses an <IMPORTANT>-style tag to give text authority over the model.', hints: ['<'],
    re: rx(`</?(?:important|critical|urgent|mandatory|attention|note|warning)>`), check: quotedToken('medium') },
  { id: 'instructions.role-label', family: F, severity: 'medium', explain: 'A line poses as a system, developer or assistant turn.', hints: ['sys', 'developer', 'assistant', 'human', 'admin'],
    re: rx(`(?:^|\\n)[#*>\\[( =-]{0,8}(?:system|developer|assistant|human|admin|sys)[\\])*]{0,2} ?(?:prompt|message|note|override|update|notice|instructions?)?[\\])*]{0,2} ?[:>]`), check: roleLabelSeverity },
  { id: 'instructions.role-label', family: F, severity: 'high', explain: 'Imitates a system message in chat-API JSON.', hints: ['"role"'],
    re: rx(`"role" ?: ?"(?:system|developer)"`) },
  { id: 'instructions.role-label', family: F, severity: 'high', explain: 'Announces a new system prompt, override or unrestricted mode.', hints: ['system', 'admin', 'developer mode', 'god mode', 'jailbr', 'unrestricted', 'dan', 'restrictions', 'safety'],
    re: rx(`(?:\\bsystem prompt (?:update|override|change|injection|follows|below)|\\b(?:updated?|overrid(?:e|den)|new|changed?) (?:to )?(?:the |your )?system prompt\\b|\\bsystem (?:override|update|notice|alert)\\b|\\badmin(?:istrator)? (?:override|notice|message|instructions?)\\b|\\bdeveloper mode\\b|\\bgod mode\\b|\\bjailbr(?:eak|oken)\\b|\\bunrestricted (?:mode|assistant|ai)\\b|\\byou are (?:now )?dan\\b|\\bno (?:more )?restrictions\\b|\\bsafety (?:rules|guidelines|filters) (?:are|have been) (?:disabled|lifted|removed|off))`) },

  // Addressing the model.
  { id: 'instructions.address-model', family: F, severity: 'medium', explain: 'Text addressed to the AI model rather than describing the tool.', hints: [' ai', ' assistant', ' model', ' llm', ' agent', ' claude', ' chatgpt', ' gpt', ' copilot', ' bot', 'ai:', 'ai,', 'assistant:', 'assistant,', 'model:', 'model,', 'llm:', 'llm,', 'agent:', 'agent,', 'claude:', 'claude,', 'chatgpt:', 'chatgpt,'],
    re: rx(`(?:\\b(?:note|message|instructions?|attention|reminder|important(?: note)?|notice|hint|warning)s? (?:to|for) (?:the |any |all |you, )?(?:ai|assistant|model|llm|agent|ai agent|ai assistant|language model|claude|chatgpt|gpt|copilot|bot)s?\\b|(?:^|[\\n.!?:>(] ?)(?:hey |dear )?(?:ai|assistant|model|llm|agent|claude|chatgpt|ai agent|ai assistant)[,:] )`) },
  { id: 'instructions.address-model', family: F, severity: 'high', explain: 'Text addressed to an AI reading the description.', hints: ['reading this', 'processing this', 'seeing this', 'parsing this'],
    re: rx(`\\b(?:ai|assistant|model|llm|agent|language model|ai agent|ai assistant)s? (?:reading|processing|seeing|parsing) this\\b`) },
  { id: 'instructions.new-rules', family: F, severity: 'high', explain: 'Gives the model a new task, role or set of rules.', hints: ['task', 'instruction', 'role', 'goal', 'objective', 'purpose', 'rules', 'directive', 'policy', 'mission', 'orders', 'you are now', 'operating under', 'running under', 'acting under', 'the user has'],
    re: rx(`(?:\\b(?:your|the) (?:new|real|actual|true|updated) (?:task|instructions?|role|goal|objective|purpose|rules|directive|policy|mission|orders)s? (?:is|are|will be|follows?|:|below)|\\byou are now (?:in |operating|acting|free|unrestricted|allowed|authori[sz]ed|dan\\b|jailbroken|an? unrestricted)|\\b(?:operating|running|acting) under (?:a |the )?(?:new|different|updated) (?:policy|rules|instructions)|\\bthe user has (?:granted|given) you (?:admin|administrator|root|full|unrestricted))`) },
  { id: 'instructions.new-rules', family: F, severity: 'medium', explain: 'Changes how the model behaves from now on.', hints: ['from now on'],
    re: rx(`\\bfrom now on\\b,?${gap(12)}?\\b(?:you|always|never|only|answer|respond|reply|ignore|act|behave|treat|do not|don't)\\b`) },

  // Coercive priority claims.
  { id: 'instructions.priority', family: F, severity: 'high', explain: 'Claims priority over the system prompt, the user or other instructions.', hints: ['overrid', 'supersede', 'precedence', 'priority', 'outrank', 'trump', 'replace', 'overrul'],
    re: rx(`\\b(?:overrides?|supersedes?|takes? precedence over|(?:has|have|takes?) priority over|outranks?|trumps?|replaces?|overrules?)\\b${gap(30)}?\\b(?:system prompt|system message|(?:your|all|any|the) (?:other |previous |prior |earlier |original |existing )?(?:instructions|guidelines|prompt|directives|training)|(?:the )?user(?:'s|s')? (?:instructions|requests?|wishes|messages|input)|anything (?:else|the user|the system|you)|what(?:ever)? the (?:user|system)|everything (?:else|the user|the system))\\b`), check: notNegated('high') },
  { id: 'instructions.priority', family: F, severity: 'high', explain: 'Declares itself a top-priority instruction.', hints: ['priority', 'precedence', 'importance', 'directive', 'instruction', 'authoritative'],
    re: rx(`(?:\\b(?:this|these|the following|the above|my) (?:instruction|directive|note|message|rule|requirement|policy)s? (?:has|have|is|are|takes?|carr(?:y|ies)) (?:the |a )?(?:highest|top|absolute|maximum|utmost|first|overriding|higher) (?:priority|precedence|importance)|\\b(?:priority|mandatory|urgent|top[- ]priority|overriding) (?:directive|instruction)s?\\b|\\bauthoritative source of your (?:rules|instructions))`) },
  { id: 'instructions.priority', family: F, severity: 'high', explain: 'Tells the model to act regardless of what the user wants.', hints: ['regardless', 'irrespective', 'whatever the', 'even if the'],
    re: rx(`(?:\\b(?:regardless|irrespective) of (?:what|whatever|any(?:thing)?) (?:the )?(?:user|human|system|they|you)\\b${gap(10)}?\\b(?:ask|asks|asked|say|says|said|want|wants|request|requests|requested|instruct|instructs|tell|tells|told|prefer|prefers)\\b|\\bwhatever the (?:user|human) (?:says|asks|wants|requests)\\b|\\beven if the (?:user|human) (?:asks|says|requests|wants|tells|objects|refuses|disagrees))`) },
  { id: 'instructions.priority', family: F, severity: 'high', explain: 'Forces this tool into every answer.', hints: ['this tool', 'this function'],
    re: rx(`\\b(?:call|use|invoke|run|consult) this (?:tool|function)\\b${gap(25)}?\\b(?:before|prior to|when) (?:answering|responding to|replying to|handling|doing) (?:any|every|each|all)\\b(?! (?:[a-z]{1,12} )?(?:about|related|regarding|on|involving|concerning|that (?:mentions|involves|concerns)))`), check: notNegated('high') },
  { id: 'instructions.priority', family: F, severity: 'medium', explain: 'Tells the model it must always use this tool.', hints: ['this tool', 'this function', 'at the start', 'at the beginning', 'this server'],
    re: rx(`(?:\\byou (?:must|are (?:required|obliged|obligated|expected) to|have to|shall|need to) (?:always )?(?:call|use|invoke|run) this (?:tool|function)\\b${gap(30)}?\\b(?:first|at the (?:start|beginning)|before (?:any|every|each|all)|on every|for every|for all|every time|whenever|in every|regardless|no exceptions?)|\\bat the (?:start|beginning) of every (?:conversation|session|chat|turn|response)|\\b(?:always|only) (?:route|send|direct)\\b${gap(30)}?\\b(?:through|via) this (?:server|tool))`) },

  // Deception.
  { id: 'instructions.deception', family: F, severity: 'high', explain: 'Tells the model to misreport results to the user.', hints: ['always', 'just', 'never', 'do not', "n't"],
    re: rx(`(?:\\b(?:always|just) (?:say|tell|report|claim|state|respond|answer)\\b${gap(30)}?\\b(?:success|successful|successfully|succeeded|worked|was (?:saved|sent|done|completed))\\b${gap(30)}?\\b(?:even|regardless|whatever|no matter)|\\b(?:never|do not|don't) (?:disclose|report|mention|show|reveal) (?:any )?(?:errors?|failures?|problems?)\\b${gap(12)}?(?:to the user)?)`) },
  { id: 'instructions.deception', family: F, severity: 'medium', explain: 'Steers the model\'s answers (advertising, exclusive sources).', hints: ['recommend', 'only with', 'treat the'],
    re: rx(`(?:\\brecommend\\b${gap(40)}?\\bin (?:every|each|all) (?:answer|response|reply|message)s?|\\b(?:answer|respond|reply) only with (?:content|results|data) from this|\\btreat the (?:user|human)(?:'s)?${gap(30)}? as (?:untrusted|malicious|unreliable))`) },
];
