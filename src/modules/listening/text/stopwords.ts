/**
 * Stop words: function words that say nothing about what a mention is about. Typed in for Kemai (not copied from a
 * published list). Every entry is already normalised (NFKC, lower case), as tokens are when they are compared.
 *
 * Evaluative words that carry an opinion (好, 差, 贵, 慢, 一般, 不错, good, bad, slow …) are deliberately NOT stop
 * words: they are what social listening looks for.
 */

const ZH_WORDS = `
的 地 得 了 着 过 是 在 我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 大家 自己 别人 人家
也 很 都 就 还 又 再 才 只 却 便 并 而 且 和 与 及 跟 同 或 或者 以及 而且 并且 还是 要么
有 没 没有 无 这 那 哪 这个 那个 哪个 这些 那些 哪些 这里 那里 哪里 这儿 那儿 这样 那样 怎样 这么 那么 怎么
什么 为什么 怎么样 多少 几 谁 啥 咋
啊 吧 呢 吗 嘛 呀 哦 噢 哇 哈 嗯 呗 啦 咯 喔 哎 唉 诶 呃 哈哈 哈哈哈 呵呵 嘿嘿 嘻嘻 嗯嗯 哦哦 啊啊
一 二 两 个 些 点 下 次 种 位 把 被 给 让 叫 对 向 往 从 自 到 于 以 为 为了 因 因为 所以 由于 因此 于是
但 但是 可是 不过 然而 虽然 虽说 尽管 即使 如果 假如 要是 只要 只有 除了 除非 否则 不然 然后 接着 之后 以后 之前 以前
已经 曾经 正在 将 将要 就是 也是 都是 不是 就要 总是 一直 一起 一下 一点 一些 一个 一样
这种 那种 各种 每个 每次 其他 其它 另外 其实 其中 以上 以下 之类 等等 等 之 其 此 该 本 某 各 每 所 者
可以 可能 能够 应该 需要 必须 会 能 要 想 得到 觉得 认为 感觉到 知道 看到 看看 说 说是 表示
真的 确实 当然 果然 居然 竟然 反正 总之 比如 例如 包括 关于 对于 根据 按照 通过 随着 作为
比较 非常 特别 十分 相当 有点 有些 稍微 更加 越来越 最 更 太 挺 蛮 超 真 好像 似乎 大概 也许 或许
一定 肯定 完全 简直 几乎 差不多 基本 基本上 主要 一共 总共 只是 仅仅 不会 不能 不要 不用 都能 还有 还会
时候 时 的话 上 中 里 内 外 前 后 旁 边 方面 问 答 呢么 么 啦啦 嘛嘛 东西 事情 情况 样子 地方
今天 昨天 明天 现在 当时 刚才 刚刚 马上 立刻 后来 最后 首先 其次 然后呢 而已 罢了 来着
也不 都不 也没 都没 都没有 也没有 的是 真是 很多 起来 里面 一次 这次 几次 几个 第一次 第二次 第二 不知道 是不是
`;

const EN_WORDS = `
a an the and or but nor so yet if then else than that this these those there here where when while why how what which
who whom whose i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves one ones someone something anything everything nothing
is am are was were be been being have has had having do does did doing done will would shall should can could may might
must ought to of in on at by for with about against between into through during before after above below from up down
out off over under again further once all any both each few more most other some such no not only own same too very
just also still even ever really quite rather almost already always never often sometimes usually maybe perhaps
as because since until unless although though whether either neither per via upon onto within without toward towards
i'm i've i'd i'll you're you've you'd you'll he's she's it's we're we've we'd we'll they're they've they'd they'll
that's there's here's what's who's let's isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't
wouldn't shan't shouldn't can't cannot couldn't mustn't mightn't
get gets got getting go goes went gone going come came make made take took say said says know knew think thought
see saw seem seems look looks like well much many lot lots thing things way back now today yesterday tomorrow
oh ah uh um hmm wow ok okay yeah yes hey hi hello please thanks thank
another around every whole two probably sure far
`;

function wordSet(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter((w) => w !== ''));
}

/** Chinese stop words (pronouns, particles, conjunctions, degree adverbs, interjections, measure words). */
export const ZH_STOP_WORDS: ReadonlySet<string> = wordSet(ZH_WORDS);

/** English stop words (articles, pronouns, auxiliaries, prepositions, contractions, filler words). */
export const EN_STOP_WORDS: ReadonlySet<string> = wordSet(EN_WORDS);

/** True when a normalised token is a Chinese or an English stop word (mixed text is checked against both). */
export function isStopWord(token: string): boolean {
  return ZH_STOP_WORDS.has(token) || EN_STOP_WORDS.has(token);
}
