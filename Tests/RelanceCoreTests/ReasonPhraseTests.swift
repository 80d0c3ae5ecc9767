import Foundation
import RelanceCore
import Testing

/// What people really type in `--why` (notes to themselves, about a third person) and the
/// sentence a draft addressed to that person must say.
@Suite("Why this person, in a sentence")
struct ReasonPhraseTests {
    static let english: [(typed: String, sentence: String)] = [
        ("wrote the first program", "I reached out to you because you wrote the first program."),
        ("she wrote the first program", "I reached out to you because you wrote the first program."),
        ("She wrote the first program.", "I reached out to you because you wrote the first program."),
        ("because she wrote the first program", "I reached out to you because you wrote the first program."),
        ("Ada wrote the first program", "I reached out to you because you wrote the first program."),
        ("Ada Lovelace wrote the first program", "I reached out to you because you wrote the first program."),
        ("Your notes on the Analytical Engine", "I reached out to you because of your notes on the Analytical Engine."),
        ("her notes on the Analytical Engine", "I reached out to you because of your notes on the Analytical Engine."),
        ("his talk at PyCon about packaging", "I reached out to you because of your talk at PyCon about packaging."),
        ("the Rust meetup he runs", "I reached out to you because of the Rust meetup you run."),
        ("great talk on compilers", "I reached out to you because of your great talk on compilers."),
        ("PyCon talk on packaging", "I reached out to you because of your PyCon talk on packaging."),
        ("she is an expert in compilers", "I reached out to you because you are an expert in compilers."),
        ("is an expert in compilers", "I reached out to you because you are an expert in compilers."),
        ("expert in compilers", "I reached out to you because you are an expert in compilers."),
        ("founder of the Paris Rust meetup", "I reached out to you because you are the founder of the Paris Rust meetup."),
        ("author of SICP", "I reached out to you because you are the author of SICP."),
        ("works on COBOL at the Navy", "I reached out to you because you work on COBOL at the Navy."),
        ("he runs the Paris Rust meetup", "I reached out to you because you run the Paris Rust meetup."),
        ("she teaches compilers at MIT", "I reached out to you because you teach compilers at MIT."),
        ("studies bird migration", "I reached out to you because you study bird migration."),
        ("has hired junior developers before", "I reached out to you because you have hired junior developers before."),
        ("she has built three startups", "I reached out to you because you have built three startups."),
        ("she's built three startups", "I reached out to you because you've built three startups."),
        ("he's the CTO of Acme", "I reached out to you because you're the CTO of Acme."),
        ("pioneered COBOL", "I reached out to you because you pioneered COBOL."),
        ("co-founded Stripe", "I reached out to you because you co-founded Stripe."),
        ("they maintain curl", "I reached out to you because you maintain curl."),
        ("I admire her work on compilers", "I reached out to you because I admire your work on compilers."),
        ("i loved his book", "I reached out to you because I loved your book."),
        ("I met her at FOSDEM", "I reached out to you because I met you at FOSDEM."),
        ("we met at FOSDEM", "I reached out to you because we met at FOSDEM."),
        ("to learn how she moved from physics to software",
         "I reached out to you to learn how you moved from physics to software."),
        ("because of her book on type theory", "I reached out to you because of your book on type theory."),
        ("  wrote   the first program!  ", "I reached out to you because you wrote the first program."),
    ]

    static let french: [(typed: String, sentence: String)] = [
        ("a écrit le premier programme", "Je m'adresse à vous parce que vous avez écrit le premier programme."),
        ("elle a écrit le premier programme", "Je m'adresse à vous parce que vous avez écrit le premier programme."),
        ("Elle a écrit le premier programme.", "Je m'adresse à vous parce que vous avez écrit le premier programme."),
        ("parce qu'elle a écrit le premier programme", "Je m'adresse à vous parce que vous avez écrit le premier programme."),
        ("Ada a écrit le premier programme", "Je m'adresse à vous parce que vous avez écrit le premier programme."),
        ("il est expert en compilation", "Je m'adresse à vous parce que vous êtes expert en compilation."),
        ("est chercheuse en IA", "Je m'adresse à vous parce que vous êtes chercheuse en IA."),
        ("experte en compilation", "Je m'adresse à vous parce que vous êtes experte en compilation."),
        ("fondatrice de la Fabrique", "Je m'adresse à vous parce que vous êtes fondatrice de la Fabrique."),
        ("elle dirige le meetup Rust de Paris", "Je m'adresse à vous parce que vous dirigez le meetup Rust de Paris."),
        ("travaille sur les compilateurs", "Je m'adresse à vous parce que vous travaillez sur les compilateurs."),
        ("il faisait de la recherche à l'INRIA", "Je m'adresse à vous parce que vous faisiez de la recherche à l'INRIA."),
        ("son exposé à PyCon", "Je m'adresse à vous en raison de votre exposé à PyCon."),
        ("ses travaux sur les compilateurs", "Je m'adresse à vous en raison de vos travaux sur les compilateurs."),
        ("le livre qu'elle a écrit", "Je m'adresse à vous en raison du livre que vous avez écrit."),
        ("les notes qu'il publie", "Je m'adresse à vous en raison des notes que vous publiez."),
        ("exposé sur Rust", "Je m'adresse à vous en raison de votre exposé sur Rust."),
        ("j'admire son travail", "Je m'adresse à vous parce que j'admire votre travail."),
        ("Je l'ai rencontrée au FOSDEM", "Je m'adresse à vous parce que je l'ai rencontrée au FOSDEM."),
        ("pour apprendre comment elle est passée de la physique au logiciel",
         "Je m'adresse à vous pour apprendre comment vous êtes passée de la physique au logiciel."),
    ]

    @Test(arguments: english)
    func englishNotesBecomeSentencesToThePerson(_ row: (typed: String, sentence: String)) {
        #expect(ReasonPhrase.sentence(row.typed, language: .english, names: ["Ada Lovelace", "Ada"]) == row.sentence)
    }

    @Test(arguments: french)
    func frenchNotesBecomeSentencesToThePerson(_ row: (typed: String, sentence: String)) {
        #expect(ReasonPhrase.sentence(row.typed, language: .french, names: ["Ada Lovelace", "Ada"]) == row.sentence)
    }

    @Test func greetingNameIsTheGivenNameNeverAnHonorific() {
        #expect(PersonName.greetingName(fullName: "Dr. Grace Hopper", givenName: nil) == "Grace")
        #expect(PersonName.greetingName(fullName: "Dr. Grace Hopper", givenName: "Grace Brewster") == "Grace Brewster")
        #expect(PersonName.greetingName(fullName: "Mme Émilie du Châtelet", givenName: nil) == "Émilie")
        #expect(PersonName.greetingName(fullName: "Prof Alan Turing", givenName: "Dr.") == "Alan")
        #expect(PersonName.greetingName(fullName: "Ada Lovelace", givenName: nil) == "Ada")
        #expect(PersonName.greetingName(fullName: "Dr.", givenName: nil) == "Dr.")
    }
}
