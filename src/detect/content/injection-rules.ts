// Stage 1 of injection screening: rules for what an honest document rarely says — instructions
// addressed to the model, chat-template tokens that forge a role, requests to send the conversation
// or credentials somewhere, and content hidden from a human reader.
//
// Regular-expression safety: these are native JavaScript patterns, so each is written to be safe
// against catastrophic backtracking and is run only on a bounded window (at most WINDOW characters
// around a trigger word found by the Aho–Corasick pass): every pattern starts with a literal, has
// no nested unbounded quantifier, and its only repetitions are `\s+` between literals (a blank run
// followed by a non-blank literal cannot be split two ways), bounded repetitions of literal
// alternatives, and at most two bounded gaps `{0,n}` with n ≤ 120 (the exfiltration rule: 60 × 60).
// One attempt from one start position therefore costs at most a few thousand steps, attempts start
// only at the literal, a window holds at most RULE_WINDOW_BEFORE + RULE_WINDOW_AFTER characters,
// and a call evaluates at most MAX_WINDOWS_PER_RULE windows per rule.

export interface InjectionRule {
  id: string;
  /** Strong rules alone flag the text; weak ones are reported and left to the model's score. */
  strong: boolean;
  /** Lowercase words that must occur for the pattern to be tried (ASCII). */
  triggers: readonly string[];
  pattern: RegExp;
  description: string;
}

export const RULE_WINDOW_BEFORE = 160;
export const RULE_WINDOW_AFTER = 400;
export const MAX_WINDOWS_PER_RULE = 32;

const OVERRIDE_VERB = String.raw`(?:ignore|disregard|forget|override|bypass)`;
const PRIOR = String.raw`(?:previous|prior|above|earlier|preceding|original|initial|existing|former|old|system|developer|all)`;
const INSTRUCTION_NOUN = String.raw`(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|context|commands|constraints|restrictions|policies|programming|tasks?)`;
const FILLER = String.raw`(?:(?:all|any|every|the|your|my|of|these|those|that|its|their|above|and)\s+){0,3}`;
const SECRET_THING = String.raw`(?:conversation|chat(?:\s+history)?|(?:message|chat|conversation)\s+history|previous\s+messages|system\s+prompt|(?:your|the)\s+(?:instructions|prompt)|api[\s_-]?keys?|access\s+tokens?|passwords?|credentials|secrets?|private\s+keys?|session\s+cookies?|cookies|env(?:ironment)?\s+variables|user(?:'s)?\s+(?:data|messages|emails?|files|details))`;

export const INJECTION_RULES: readonly InjectionRule[] = [
  {
    id: 'ignore-instructions',
    strong: true,
    triggers: ['ignore', 'disregard', 'forget', 'override', 'bypass'],
    pattern: new RegExp(String.raw`\b${OVERRIDE_VERB}\s+${FILLER}${PRIOR}\s+${INSTRUCTION_NOUN}\b|\b${OVERRIDE_VERB}\s+(?:everything|anything|all)\s+(?:above|before|you\s+(?:were|have\s+been)\s+(?:told|given))`, 'i'),
    description: 'asks to drop earlier instructions',
  },
  {
    id: 'role-tokens',
    strong: true,
    triggers: ['<|', '[inst]', '[/inst]', '<<sys>>', '<</sys>>', '<start_of_turn>', '<end_of_turn>'],
    pattern: /<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>|<(?:start|end)_of_turn>/i,
    description: 'chat-template tokens that forge a conversation turn',
  },
  {
    id: 'role-headers',
    strong: false,
    triggers: ['system', 'assistant', 'instruction', '<developer', '</developer', '</context', '</document', '</user', '</tool_output', '</data>'],
    // (windows are cut at line starts, see matchRules, so \n marks a line start)
    pattern: /\n[ \t]{0,8}(?:#{1,4}[ \t]{0,4})?(?:system|assistant|instruction|developer)[ \t]{0,4}(?:prompt[ \t]{0,4})?:|<\/?(?:system|instructions?|assistant|developer)(?:_prompt)?>|<\/(?:context|document|user|tool_output|data)>/i,
    description: 'a line or tag that claims the system or assistant role',
  },
  {
    id: 'new-instructions',
    strong: true,
    triggers: ['instruction', 'from now on', 'you are now', 'your new', 'developer mode', 'jailbreak', 'do anything now'],
    pattern: /\b(?:new|updated|revised|real|actual|true|important|additional)\s+(?:system\s+)?instructions?\s{0,4}(?::|-|are\b|follow\b)|\bfrom\s+now\s+on,?\s+(?:you|your|the\s+(?:assistant|ai|model))\b|\byou\s+are\s+now\s+(?:a|an|in|the|my|DAN|free|no\s+longer|unrestricted|jailbroken)\b|\byour\s+new\s+(?:task|goal|role|instructions?|objective|purpose)\b|\bdeveloper\s+mode\b|\bjailbr(?:eak|oken)\b|\bdo\s+anything\s+now\b/i,
    description: 'replaces the task or the persona',
  },
  {
    id: 'addressed-to-model',
    strong: true,
    triggers: ['ai', 'a.i.', 'assistant', 'language model', 'llm', 'gpt', 'chatgpt', 'claude', 'gemini', 'chatbot'],
    pattern: /\b(?:if\s+you\s+are\s+(?:an?\s+)?|note\s+to\s+(?:the\s+)?|attention[,:]?\s+|hey\s+|dear\s+|to\s+the\s+)(?:ai|a\.i\.|assistant|language\s+model|llm|large\s+language\s+model|chatbot|chatgpt|gpt|claude|gemini|ai\s+(?:agent|model|system))\b|\b(?:ai|assistant|language\s+model|llm|chatbot|ai\s+agent)(?:s)?\s{0,2}[,:]\s{0,4}(?:please\s+)?(?:you\s+must|you\s+should|ignore|do\s+not|don't|always|never|make\s+sure|remember\s+to|be\s+sure\s+to|stop|instead)\b/i,
    description: 'speaks to the AI reading the text',
  },
  {
    id: 'exfiltration',
    strong: true,
    // triggered by what is sent (rarer words than the verbs)
    triggers: ['conversation', 'chat', 'previous messages', 'system prompt', 'instructions', 'prompt', 'api key', 'api_key', 'apikey', 'api-key', 'access token', 'password', 'credentials', 'secret', 'private key', 'cookie', 'environment variables', 'env variables', "user's", 'user data', 'user messages', 'user files', 'user email'],
    pattern: new RegExp(
      String.raw`\b(?:send|forward|post|upload|transmit|e-?mail|leak|exfiltrate|share|append|include|copy|paste|submit|report)\b[^\n]{0,60}?\b${SECRET_THING}\b[^\n]{0,60}?\b(?:to|at|into|in|via)\s+(?:https?://|www\.|ftp://|[\w.+-]{1,64}@[\w-]{1,64}\.|the\s+(?:url|endpoint|webhook|server|address)|this\s+(?:url|endpoint|webhook|server|address))`,
      'i',
    ),
    description: 'asks to send the conversation, credentials or user data somewhere',
  },
  {
    id: 'exfiltration-url',
    strong: true,
    triggers: ['!['],
    // a markdown image whose URL carries a templated parameter: rendering it leaks data
    pattern: /!\[[^\]\n]{0,100}\]\(\s{0,4}https?:\/\/[^)\s]{1,120}[?&][\w.-]{1,40}=(?:\{|\$|%7B|<|\[|\{\{)/i,
    description: 'a markdown image that would send data in its URL',
  },
  {
    id: 'hidden-html',
    strong: false,
    triggers: ['<!--', 'display', 'font-size', 'visibility', 'opacity', 'color:'],
    pattern: /<!--[^>]{0,120}?\b(?:ignore|instructions?|assistant|ai|llm|model|system|you\s+must|do\s+not\s+tell)\b|\b(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\b|opacity\s*:\s*0(?:\.0+)?\s*[;"'}]|color\s*:\s*(?:white|#fff(?:fff)?|transparent)\b)/i,
    description: 'content hidden from a human reader (HTML comment or invisible style)',
  },
  {
    id: 'tool-invocation',
    strong: false,
    triggers: ['tool'],
    pattern: /\b(?:call|invoke|use|run|execute|trigger)\s+(?:the\s+)?[`'"]?[a-z][\w-]{1,60}[`'"]?\s+tool\b|\b(?:call|invoke|execute)\s+(?:this|the\s+following)\s+tool\b/i,
    description: 'asks the agent to call a tool',
  },
];
