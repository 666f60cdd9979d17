package main

// querySheet is what 'feedhound help query' prints: the query language at
// a glance (docs/queries.md has all of it).
const querySheet = `Queries at a glance

  Putin                      the whole word, in any case; not Putinism
  "Kim-Putin summit"         those words in that order: Kim–Putin summit, KIM—PUTIN SUMMIT
  Kim-Putin, U.S.            a word with punctuation inside is a phrase of its parts
  Kim Putin, Kim AND Putin   both words, anywhere in the item
  Putin OR Xi                either word
  -sports, NOT sports        excludes items that have it; -"World Cup", -(tennis OR golf)
  (Putin OR Xi) summit       parentheses group
  denuclear*                 words that start with it
  Kim NEAR/8 Putin           both, at most 8 words apart, in either order (NEAR alone: 10)
  title:summit               the term only in that field: title, content, author,
                             category, link, source; also title:(Putin OR Xi)
  /kim.{0,20}putin/          a regular expression (RE2), case-insensitive
  푸틴, プーチン, 金正恩       Hangul, Han and kana match inside words: 푸틴 finds 푸틴과

Precedence: NOT/- binds tightest, then NEAR, then AND (or nothing), then
OR: "Kim NEAR/8 Putin -sports" is "(Kim NEAR/8 Putin) AND NOT sports".
Operators are upper case; and, or, not and near are ordinary words.

Case, diacritics and compatibility forms are folded (Straße = STRASSE,
Sergéi = Sergei, ＫＩＭ = KIM); HTML is stripped; every dash separates
words. A term without a field searches the title, the content and the
categories.

Try one on feeds:  feedhound match 'Kim NEAR/8 Putin -sports' FEED...
All of it:         docs/queries.md
`
