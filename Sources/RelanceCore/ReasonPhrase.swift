import Foundation

/// The language a draft is written in (`[user] language`).
public enum DraftLanguage: String, Sendable, Codable, CaseIterable {
    case english = "en"
    case french = "fr"
}

/// Turns what the user typed in `--why` ("wrote the first program", "she is an expert in
/// compilers", "Your notes on the Analytical Engine", "j'admire son travail") into a
/// grammatical clause addressed to the contact ("because you wrote the first program",
/// "because you are an expert in compilers", "because of your notes on the Analytical
/// Engine", "parce que j'admire votre travail"). People write notes to themselves about a
/// third person; a draft speaks to that person, so "she"/"her"/"elle"/"son" become
/// "you"/"your"/"vous"/"votre" and the verb follows. Pure; the tables of phrasings it is
/// tested with are in `ReasonPhraseTests`.
public enum ReasonPhrase {
    /// The sentence a draft carries: "I reached out to you because you wrote the first
    /// program." / "Je m'adresse à vous parce que vous avez écrit le premier programme."
    /// `names` are the contact's names ("Ada", "Ada Lovelace"), which may be the subject.
    public static func sentence(_ why: String, language: DraftLanguage, names: [String] = []) -> String {
        let clause = clause(why, language: language, names: names)
        switch language {
        case .english: return "I reached out to you \(clause)."
        case .french: return "Je m'adresse à vous \(clause)."
        }
    }

    /// The clause after "I reached out to you" / "Je m'adresse à vous".
    public static func clause(_ why: String, language: DraftLanguage, names: [String] = []) -> String {
        var words = why.split(whereSeparator: \.isWhitespace).map(String.init)
        while let last = words.last, let end = last.last, ".!;,:".contains(end) {
            words[words.count - 1].removeLast()
            if words[words.count - 1].isEmpty { words.removeLast() }
        }
        switch language {
        case .english: return English.clause(words, names: names)
        case .french: return French.clause(words, names: names)
        }
    }

    /// Removes a leading subject made of the contact's name ("Ada", "Ada Lovelace");
    /// true when there was one.
    static func dropNameSubject(_ words: inout [String], names: [String]) -> Bool {
        let candidates = names.map { $0.split(whereSeparator: \.isWhitespace).map { $0.lowercased() } }
            .filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        for name in candidates where words.count > name.count
            && zip(words, name).allSatisfy({ $0.lowercased() == $1 }) {
            words.removeFirst(name.count)
            return true
        }
        return false
    }

    /// The first letter lowercased, for a word that started the user's note.
    static func lowercasedFirst(_ word: String) -> String {
        guard let first = word.first else { return word }
        return first.lowercased() + word.dropFirst()
    }

    enum English {
        static let determiners: Set<String> = ["the", "a", "an", "this", "that", "these", "those", "his", "her",
                                               "their", "its", "your", "my", "our", "some", "all"]
        static let firstPerson: Set<String> = ["i", "i'm", "i've", "i'd", "i'll", "we", "we're", "we've", "my", "our",
                                               "i’m", "i’ve", "i’d"]
        /// Verbs people use in these notes, in every form; anything else ending in "-ed" counts too.
        static let verbs: Set<String> = [
            "is", "was", "are", "were", "has", "had", "have", "does", "did", "do",
            "write", "writes", "wrote", "build", "builds", "built", "create", "creates", "start", "starts",
            "run", "runs", "ran", "lead", "leads", "led", "work", "works", "give", "gives", "gave",
            "speak", "speaks", "spoke", "maintain", "maintains", "design", "designs", "invent", "invents",
            "teach", "teaches", "taught", "publish", "publishes", "mentor", "mentors", "make", "makes", "made",
            "help", "helps", "organize", "organizes", "organise", "organises", "know", "knows", "knew",
            "love", "loves", "like", "likes", "care", "cares", "study", "studies", "research", "researches", "hire", "hires",
            "invest", "invests", "host", "hosts", "manage", "manages", "coach", "coaches", "share", "shares",
            "keep", "keeps", "kept", "think", "thinks", "thought", "say", "says", "said", "show", "shows",
            "win", "wins", "won", "grow", "grows", "grew", "take", "takes", "took", "join", "joins",
            "live", "lives", "blog", "blogs", "post", "posts", "contribute", "contributes", "review", "reviews",
            "advise", "advises", "co-founded", "cofounded", "founded", "went", "goes", "got", "gets", "sold", "sells",
            "spent", "spends", "told", "tells", "taught", "came", "comes", "brought", "brings", "wrote",
        ]
        /// Roles written without a subject ("expert in compilers" → "you are an expert…").
        static let roles: Set<String> = [
            "expert", "founder", "co-founder", "cofounder", "author", "co-author", "maintainer", "creator",
            "inventor", "pioneer", "leader", "engineer", "researcher", "professor", "specialist", "member",
            "organizer", "organiser", "developer", "designer", "editor", "host", "speaker", "investor",
            "ceo", "cto", "head", "director", "manager", "mentor", "teacher", "student", "alumna", "alumnus",
        ]
        /// Words after which "her" is an object ("met her at", "ask her about").
        static let notNouns: Set<String> = ["at", "in", "on", "about", "for", "with", "to", "from", "and", "or",
                                            "by", "during", "last", "yesterday", "today", "once", "twice", "again"]

        static func clause(_ input: [String], names: [String]) -> String {
            var words = input
            guard let head = words.first else { return "" }
            var lead = head.lowercased()
            if lead == "because" || lead == "since" {
                words.removeFirst()
                if words.first?.lowercased() == "of" {
                    words.removeFirst()
                    return "because of " + ownPossessives(words, first: true).joined(separator: " ")
                }
                guard let next = words.first else { return "" }
                lead = next.lowercased()
            }
            if dropNameSubject(&words, names: names) {
                return "because you " + thirdPersonToYou(words).joined(separator: " ")
            }
            lead = words.first?.lowercased() ?? ""
            switch lead {
            case "she", "he":
                words.removeFirst()
                return "because you " + thirdPersonToYou(words).joined(separator: " ")
            case "they":
                words.removeFirst()
                return "because you " + ownPossessives(words).joined(separator: " ")
            case "she's", "he's", "they're", "she’s", "he’s", "they’re":
                words.removeFirst()
                let perfect = words.first.map { isParticiple($0.lowercased()) } ?? false
                return "because you" + (perfect ? "'ve " : "'re ") + ownPossessives(words).joined(separator: " ")
            case "you", "you're", "you've", "you’re", "you’ve":
                words[0] = lead
                return "because " + ownPossessives(words).joined(separator: " ")
            case "to":
                words[0] = lead
                return ownPossessives(words).joined(separator: " ")
            case _ where firstPerson.contains(lead):
                if lead.hasPrefix("i") { words[0] = "I" + words[0].dropFirst() } else { words[0] = lead }
                return "because " + ownPossessives(words).joined(separator: " ")
            case _ where determiners.contains(lead):
                words[0] = lead
                return "because of " + ownPossessives(words).joined(separator: " ")
            case _ where isVerb(lead):
                words[0] = lead
                return "because you " + thirdPersonToYou(words).joined(separator: " ")
            case _ where roles.contains(lead):
                words[0] = lead
                let article = words.count > 1 && words[1].lowercased() == "of" ? "the" : (startsWithVowelSound(lead) ? "an" : "a")
                return "because you are \(article) " + ownPossessives(words).joined(separator: " ")
            default:
                // A noun phrase without a determiner ("great talk on Rust", "PyCon talk"):
                // it is theirs. Its first word keeps its case (it may be a name).
                return "because of your " + ownPossessives(words).joined(separator: " ")
            }
        }

        static func isVerb(_ word: String) -> Bool {
            verbs.contains(word) || (word.count > 4 && word.hasSuffix("ed") && !word.hasSuffix("eed"))
        }

        static func isParticiple(_ word: String) -> Bool {
            ["been", "done", "built", "written", "made", "led", "taught", "given", "run", "won", "shown", "spoken",
             "grown", "taken", "known"].contains(word) || (word.count > 4 && word.hasSuffix("ed"))
        }

        static func startsWithVowelSound(_ word: String) -> Bool {
            guard let first = word.lowercased().first else { return false }
            return "aeio".contains(first) || (first == "u" && !word.lowercased().hasPrefix("uni"))
        }

        /// "wrote…" stays; "is" → "are", "has" → "have", "works" → "work"; then possessives.
        static func thirdPersonToYou(_ input: [String]) -> [String] {
            var words = input
            if let verb = words.first {
                words[0] = plural(verb.lowercased())
            }
            return ownPossessives(words)
        }

        /// The second-person form of a third-person verb.
        static func plural(_ verb: String) -> String {
            switch verb {
            case "is": return "are"
            case "was": return "were"
            case "has": return "have"
            case "does": return "do"
            case "goes": return "go"
            case "isn't": return "aren't"
            case "wasn't": return "weren't"
            case "hasn't": return "haven't"
            case "doesn't": return "don't"
            default: break
            }
            guard verbs.contains(verb), verb.hasSuffix("s"), !verb.hasSuffix("ss") else { return verb }
            if verb.hasSuffix("ies") { return String(verb.dropLast(3)) + "y" }
            if ["ches", "shes", "sses", "xes", "zes", "oes"].contains(where: verb.hasSuffix) { return String(verb.dropLast(2)) }
            return String(verb.dropLast())
        }

        /// "her"/"his" before a noun → "your", "her"/"him" otherwise → "you", "she"/"he" → "you".
        static func ownPossessives(_ input: [String], first: Bool = false) -> [String] {
            var words = input
            for index in words.indices {
                let word = words[index]
                let lower = word.lowercased()
                let next = index + 1 < words.count ? words[index + 1].lowercased() : nil
                let replacement: String?
                switch lower {
                case "his": replacement = "your"
                case "her": replacement = next.map { !notNouns.contains($0) } ?? false ? "your" : "you"
                case "him": replacement = "you"
                case "hers": replacement = "yours"
                case "herself", "himself": replacement = "yourself"
                case "she", "he":
                    replacement = "you"
                    if let next, index + 1 < words.count { words[index + 1] = plural(next) }
                default: replacement = nil
                }
                if let replacement {
                    words[index] = replacement
                } else if index == 0 && first && determiners.contains(lower) {
                    words[index] = lower
                }
            }
            return words
        }
    }

    enum French {
        static let determiners: Set<String> = ["le", "la", "les", "un", "une", "des", "du", "son", "sa", "ses", "ce",
                                               "cet", "cette", "ces", "votre", "vos", "leur", "leurs", "mon", "ma", "mes"]
        /// Third-person forms and their "vous" forms; regular -er verbs ("dirige") add "z".
        static let irregular: [String: String] = [
            "a": "avez", "est": "êtes", "était": "étiez", "avait": "aviez", "fait": "faites", "faisait": "faisiez",
            "dit": "dites", "va": "allez", "peut": "pouvez", "sait": "savez", "écrit": "écrivez",
            "construit": "construisez", "connaît": "connaissez", "connait": "connaissez", "maintient": "maintenez",
            "tient": "tenez", "vient": "venez", "conçoit": "concevez", "vit": "vivez", "fut": "fûtes",
            "n'a": "n'avez", "n'est": "n'êtes", "ne": "ne",
        ]
        static let regular: Set<String> = [
            "dirige", "travaille", "enseigne", "organise", "anime", "gère", "développe", "recherche", "étudie",
            "partage", "publie", "crée", "aide", "mène", "habite", "parle", "contribue", "accompagne", "aime",
            "code", "conçoit", "dessine", "invente", "coache", "investit", "participe", "présente", "lance",
        ]
        static let roles: Set<String> = [
            "expert", "experte", "fondateur", "fondatrice", "cofondateur", "cofondatrice", "co-fondateur", "co-fondatrice",
            "auteur", "autrice", "auteure", "créateur", "créatrice", "chercheur", "chercheuse", "professeur",
            "professeure", "ingénieur", "ingénieure", "mainteneur", "mainteneuse", "directeur", "directrice",
            "responsable", "spécialiste", "membre", "organisateur", "organisatrice", "développeur", "développeuse",
            "pionnier", "pionnière", "présidente", "président", "enseignant", "enseignante",
        ]

        static func clause(_ input: [String], names: [String]) -> String {
            var words = input
            guard let head = words.first else { return "" }
            var lead = head.lowercased()
            // "parce que …", "parce qu'elle …", "car …"
            if lead == "parce", words.count > 1, words[1].lowercased() == "que" {
                words.removeFirst(2)
            } else if lead == "parce", words.count > 1, words[1].lowercased().hasPrefix("qu'") || words[1].lowercased().hasPrefix("qu’") {
                words[1] = String(words[1].dropFirst(3))
                words.removeFirst()
            } else if lead == "car" || lead == "puisque" {
                words.removeFirst()
            }
            guard !words.isEmpty else { return "" }
            if dropNameSubject(&words, names: names) {
                return because(["vous"] + toVous(words))
            }
            lead = words[0].lowercased()
            switch lead {
            case "elle", "il":
                words.removeFirst()
                return because(["vous"] + toVous(words))
            case "vous", "je", "nous", "on":
                words[0] = lead
                return because(possessives(words))
            case _ where lead.hasPrefix("j'") || lead.hasPrefix("j’"):
                words[0] = lowercasedFirst(words[0])
                return because(possessives(words))
            case "pour", "afin":
                words[0] = lead
                return possessives(words).joined(separator: " ")
            case _ where determiners.contains(lead) || lead.hasPrefix("l'") || lead.hasPrefix("l’"):
                words[0] = lead
                return enRaisonDe(possessives(words))
            case _ where irregular[lead] != nil || regular.contains(lead):
                words[0] = lead
                return because(["vous"] + toVous(words))
            case _ where roles.contains(lead):
                words[0] = lead
                return because(["vous", "êtes"] + possessives(words))
            default:
                return enRaisonDe(["votre"] + possessives(words))
            }
        }

        /// "parce que …", elided before a vowel ("parce qu'il").
        static func because(_ words: [String]) -> String {
            let text = words.joined(separator: " ")
            if let first = text.lowercased().first, "aeéèêiîoôuh".contains(first), !text.lowercased().hasPrefix("h") {
                return "parce qu'" + text
            }
            return "parce que " + text
        }

        /// "en raison de …", with "de le" → "du" and "de les" → "des".
        static func enRaisonDe(_ words: [String]) -> String {
            guard let first = words.first else { return "" }
            switch first {
            case "le": return "en raison du " + words.dropFirst().joined(separator: " ")
            case "les": return "en raison des " + words.dropFirst().joined(separator: " ")
            case "des", "du": return "en raison " + words.joined(separator: " ")
            default:
                let text = words.joined(separator: " ")
                if let letter = text.lowercased().first, "aeéèêiîoôu".contains(letter) { return "en raison d'" + text }
                return "en raison de " + text
            }
        }

        /// The verb after the subject in its "vous" form, then possessives.
        static func toVous(_ input: [String]) -> [String] {
            var words = input
            var index = 0
            // "ne", "n'", "y", "en" may sit before the verb.
            if index < words.count, ["ne", "y", "en"].contains(words[index].lowercased()) { index += 1 }
            if index < words.count {
                let verb = words[index].lowercased()
                if let form = irregular[verb] {
                    words[index] = form
                } else if verb.hasPrefix("n'") || verb.hasPrefix("n’"), let form = irregular[String(verb.dropFirst(2))] {
                    words[index] = "n'" + form
                } else if verb.hasSuffix("ait") {
                    words[index] = String(verb.dropLast(3)) + "iez"
                } else if verb.hasSuffix("e") {
                    words[index] = verb + "z"
                } else if verb.hasSuffix("it") {
                    words[index] = String(verb.dropLast()) + "ssez"   // finit → finissez, investit → investissez
                }
            }
            return possessives(words)
        }

        /// "son"/"sa" → "votre", "ses" → "vos", "lui" → "vous", "elle"/"il" → "vous" (with its verb).
        static func possessives(_ input: [String]) -> [String] {
            var words = input
            var index = 0
            while index < words.count {
                switch words[index].lowercased() {
                case "son", "sa": words[index] = "votre"
                case "ses": words[index] = "vos"
                case "lui": words[index] = "vous"
                case "elle-même", "lui-même": words[index] = "vous-même"
                case "qu'elle", "qu'il", "qu’elle", "qu’il":
                    // "le livre qu'elle a écrit" → "le livre que vous avez écrit"
                    words[index] = "que"
                    let rest = toVous(Array(words[(index + 1)...]))
                    words.replaceSubrange((index + 1)..., with: ["vous"] + rest)
                    return words
                case "elle", "il":
                    words[index] = "vous"
                    if index + 1 < words.count {
                        let rest = toVous(Array(words[(index + 1)...]))
                        words.replaceSubrange((index + 1)..., with: rest)
                        return words
                    }
                default: break
                }
                index += 1
            }
            return words
        }
    }
}
