/**
 * Le frasi in italiano di ogni codice di risultato (ICU MessageFormat; gli stessi segnaposto dell’inglese,
 * src/i18n/en/findings.ts). Scritte per chi non è un tecnico, con le parole delle guide: "server di posta in
 * uscita", "account ibrido", "gestore". Per l’apostrofo si scrive ’: quello dritto ha un senso nella sintassi ICU.
 */
import type { FindingCode } from '../../lib/codes.js';
import type { FindingMessages } from '../types.js';

const UP = '{upCount, plural, =0 {} one { Altre porte di {up} rispondono da qui, quindi il server è acceso.} other { Altre porte di {up} rispondono da qui, quindi i server sono accesi.}}';

export const IT_FINDINGS: Record<FindingCode, FindingMessages> = {
  SMTP_RELAY_DENIED: {
    summary: '{count, plural, one {{endpoints} non spedisce} other {{endpoints} non spediscono}} la tua posta da questa rete',
    explanation:
      'Il server di posta in uscita del tuo gestore accetta la connessione, ma rifiuta di inoltrare un messaggio verso un indirizzo esterno per {client}. ' +
      '{blocklisted, select, yes {Questo indirizzo è in una lista di blocco DNS (vedi quel risultato), che è il motivo più probabile. } other {I gestori spediscono solo per chi è collegato alla loro rete, oppure per chi si autentica con nome utente e password. }}' +
      '{submission, select, works {L’invio con autenticazione funziona da qui: usa quello.} offered {Il gestore offre l’invio con autenticazione su una porta cifrata: è il modo per spedire da qualsiasi rete.} other {La ricezione non c’entra: il problema riguarda solo l’invio.}}',
    fix: '{submission, select, works {Usa le impostazioni di invio con autenticazione indicate sopra (con il tuo nome utente e la tua password).} offered {Usa le impostazioni di invio con autenticazione indicate sopra (con il tuo nome utente e la tua password).} other {Spedisci con il server di posta in uscita della rete a cui sei collegato (un account ibrido), oppure usa l’invio con autenticazione (porta 587 o 465 con la tua password) se il tuo gestore lo offre.}}',
  },
  AUTH_REQUIRED: {
    summary: '{count, plural, one {{endpoints} chiede} other {{endpoints} chiedono}} di autenticarti per spedire',
    explanation: 'Questo server di posta in uscita accetta posta solo da chi si autentica con il nome utente e la password della casella (SMTP AUTH). È il modo moderno di spedire, che funziona da qualsiasi rete.',
    fix: '{credentials, select, yes {} other {Nel programma di posta attiva "Il server in uscita richiede l’autenticazione"; per verificare la password, lancia maildoctor con --user.}}',
  },
  AUTH_FAILED: {
    summary: 'Nome utente o password rifiutati da {hosts}',
    explanation: 'Il server ha rifiutato l’accesso dell’utente {user}. O la password è sbagliata, o il nome utente va scritto in un altro modo (spesso è l’indirizzo intero), o l’account chiede una password per le app perché usa la verifica in due passaggi.',
    fix: 'Controlla la password; prova come nome utente l’indirizzo intero; se il gestore usa la verifica in due passaggi, crea una password per le app.',
  },
  PORT_BLOCKED_BY_NETWORK: {
    summary: '{inferred, select, yes {Probabilmente questa rete blocca la porta {port} (deduzione: nessun server di controllo ha potuto verificarlo)} other {Questa rete blocca la porta {port} (nessuna risposta da {hosts}, né dai server di controllo sulla porta {port})}}',
    explanation:
      '{inferred, select, yes {Le connessioni alla porta {port} di {hosts} {filtered, select, yes {non ricevono alcuna risposta} other {vengono respinte}}. Nessun server di controllo sulla porta {port} ha risposto, quindi è una deduzione, non una misura: ' +
      '{hasMx, select, yes {{mx} è un MX di {domain}, che deve accettare la porta 25 da chiunque per ricevere posta, eppure le sue altre porte ({mxPorts}) rispondono da qui; } other {}}' +
      '{hasOwn, select, yes {la porta 25 del server di questa rete {own} risponde, quelle dei server esterni no; } other {}}' +
      'la causa probabile è un firewall di questa rete, anche se non si può escludere un rifiuto del server stesso.} ' +
      'other {Le connessioni alla porta {port} {filtered, select, yes {non ricevono alcuna risposta} other {vengono respinte}}, non solo verso {hosts} ma anche verso server di controllo indipendenti, mentre le altre porte funzionano. ' +
      'La rete a cui sei collegato (o il suo firewall) blocca la porta {port} in uscita.}}' + UP +
      '{port, select, 25 { Molti fornitori di connessione bloccano la porta 25 ai propri clienti contro lo spam: per spedire si usa la porta 587 o 465 con la password.} other {}}',
    fix: '{port, select, 25 {Usa l’invio con autenticazione sulla porta 587 (STARTTLS) o 465 (SSL/TLS) con la tua password, oppure il server di posta in uscita della rete a cui sei collegato.} other {Usa un’altra porta o un’altra rete; chiedi a chi gestisce la rete di aprire la porta {port}.}}',
  },
  PORT_FILTERED: {
    summary: 'La porta {port} di {hosts} non risponde (i pacchetti vengono scartati)',
    explanation:
      'I tentativi di connessione non hanno ricevuto alcuna risposta: un firewall li scarta{control, select, open {, dalla parte del server (i server di controllo sulla porta {port} rispondono da qui, quindi questa rete lascia passare la porta)} other {, dalla parte del server o lungo la strada (nessun server di controllo sulla porta {port} ha potuto dire dove)}}.' +
      UP,
  },
  PORT_CLOSED: {
    summary: 'La porta {port} di {hosts} rifiuta le connessioni: lì non c’è nessun servizio',
    explanation:
      '{control, select, open {Il server ha respinto la connessione sulla porta {port}: lì non c’è nessun servizio in ascolto (oppure lo blocca il firewall del server). Non dipende da questa rete: i server di controllo sulla porta {port} rispondono da qui.} other {Le connessioni alla porta {port} sono state respinte: dal server (nessun servizio in ascolto) o da un firewall lungo la strada, che può respingere allo stesso modo. Nessun server di controllo sulla porta {port} ha potuto dire quale dei due.}}' +
      UP,
  },
  TLS_MODE_MISMATCH: {
    summary: '{endpoint} {expected, select, tls {non usa SSL/TLS} other {usa SSL/TLS, non STARTTLS}}',
    explanation: 'La porta è stata provata {expected, select, tls {con SSL/TLS, ma il server ha risposto in chiaro} other {aspettando un saluto in chiaro, ma il server aspetta una negoziazione TLS}}. Un programma di posta impostato nel modo sbagliato resta bloccato o dà un errore incomprensibile.',
    fix: '{expected, select, tls {Per questa porta imposta la sicurezza della connessione su STARTTLS.} other {Per questa porta imposta la sicurezza della connessione su SSL/TLS.}}',
  },
  STARTTLS_BROKEN: {
    summary: 'STARTTLS su {endpoint} non funziona',
    explanation: 'Il server accetta STARTTLS, poi non avvia TLS (continua in chiaro o chiude la connessione). Un programma di posta impostato su STARTTLS qui fallisce; passare a SSL/TLS su questa porta non aiuterebbe: la colpa è del server o di un apparato sul percorso che riscrive la sessione.',
    fix: 'Usa un’altra porta (465 con SSL/TLS, o 587 da un’altra rete) e avvisa il gestore.',
  },
  STARTTLS_UNAVAILABLE: {
    summary: '{endpoint} non offre la cifratura',
    explanation: 'Su questa porta il server non offre STARTTLS: tutto, compresa la tua password, viaggerebbe in chiaro.',
    fix: 'Usa una porta con SSL/TLS (465, 993, 995), se il gestore ne offre una.',
  },
  TLS_CERT_EXPIRED: {
    summary: 'Il certificato di {endpoint} è scaduto',
    explanation: 'Il server presenta un {certificate}. I programmi di posta lo rifiutano (o ti chiedono di accettare un rischio). maildoctor non ha inviato nulla su questa connessione.',
    fix: 'Avvisa il gestore; non accettare il certificato in modo permanente nel programma di posta.',
  },
  TLS_CERT_HOSTNAME_MISMATCH: {
    summary: 'Il certificato di {endpoint} è intestato a un altro nome',
    explanation: 'Il server presenta un {certificate}, che non vale per {host}. Spesso il gestore vuole che tu usi un altro nome del server (quello scritto nel certificato).',
    fix: '{altName, select, none {} other {Prova il nome a cui è intestato il certificato: {altName}.}}',
  },
  TLS_CERT_UNTRUSTED: {
    summary: 'Il certificato di {endpoint} non è attendibile',
    explanation: 'Il server presenta un {certificate}, che non risale a un’autorità di certificazione riconosciuta ({trustError}). Qualcuno potrebbe intercettare la connessione, oppure il server è configurato male.',
    fix: 'Non accettarlo, a meno che il gestore non ti confermi la sua impronta digitale.',
  },
  PLAINTEXT_AUTH_ONLY: {
    summary: 'La password si potrebbe inviare solo in chiaro',
    explanation: 'I server che accettano l’accesso non offrono cifratura (nessuna porta SSL/TLS, niente STARTTLS). Chiunque lungo la strada potrebbe leggere la password. maildoctor non l’ha inviata; per provarla comunque, sapendolo, lancialo con --allow-plaintext-auth.',
    fix: 'Chiedi al gestore un accesso cifrato (porte 993/995/465/587 con SSL/TLS); nel frattempo evita di usare questo account su reti di cui non ti fidi.',
  },
  GREETING_REJECTED: {
    summary: '{endpoint} rifiuta questo client appena si collega',
    explanation: 'Il server ha risposto alla connessione con un rifiuto: "{reply}". I server lo fanno con gli indirizzi nelle liste di blocco (indirizzi dinamici o domestici, o un indirizzo che ha mandato spam) oppure quando sono sovraccarichi.',
    fix: 'Usa l’invio con autenticazione su un’altra porta, oppure il server di posta in uscita della rete a cui sei collegato; se il tuo indirizzo è in una lista di blocco, il fornitore della connessione può dirti perché.',
  },
  DNS_DOMAIN_NOT_FOUND: {
    summary: 'Il dominio {domain} non esiste',
    explanation: 'Il DNS dice che il dominio {domain} non esiste (NXDOMAIN): nessun server può ricevere o spedire posta per {address}. Controlla come è scritto l’indirizzo.',
    fix: 'Controlla che l’indirizzo non abbia errori di battitura; se è giusto, il dominio è scaduto o non è mai stato registrato.',
  },
  DNS_RESOLVER_UNREACHABLE: {
    summary: 'Da questa rete non risponde nessun server DNS',
    explanation: 'I server DNS ({resolvers}) non hanno risposto, quindi non si possono cercare i nomi dei server. La posta (e quasi tutta internet) non funzionerà finché la risoluzione dei nomi non torna a funzionare.',
    fix: 'Controlla la connessione; se funziona, imposta un server DNS che risponda (il router, o quello del tuo fornitore) oppure usa --dns.',
  },
  NO_MAIL_SERVERS_FOUND: {
    summary: '{all, select, yes {Nessun server di posta trovato per {domain}} other {Nessun server trovato per {roles}}}',
    explanation: 'Nessuna delle fonti (record DNS SRV, autoconfigurazione, il database dei fornitori, record MX, i nomi di server più comuni) indica un server esistente per {roles}.',
    fix: 'Chiedi al gestore della casella i nomi dei suoi server, poi provali con `maildoctor probe`.',
  },
  CONFIG_SOURCES_DISAGREE: {
    summary: 'Le fonti delle impostazioni non sono d’accordo sui server',
    explanation: 'Fonti diverse (DNS SRV, l’autoconfigurazione del dominio, il database dei fornitori) indicano server o sicurezza diversi per lo stesso ruolo. Una di esse non è aggiornata; maildoctor le ha provate tutte e consiglia ciò che ha verificato.',
  },
  SERVER_UNREACHABLE: {
    summary: '{host} non risponde su nessuna porta da qui',
    explanation: 'Tutte le porte provate su {host} ({ports}) non rispondono, mentre altri server rispondono da questa rete. Il server è spento, oppure il suo indirizzo nel DNS è sbagliato.',
  },
  STARTTLS_PLAINTEXT_INJECTION: {
    summary: 'Nel passaggio a STARTTLS su {endpoint} è stato inserito testo in chiaro',
    explanation: 'Dopo che il server ha accettato di passare a TLS, sono arrivati altri dati non cifrati prima della negoziazione. maildoctor li ha scartati, come chiede l’RFC 3207; li ha mandati un server difettoso o qualcosa lungo la strada (un proxy "di sicurezza").',
  },
  SPF_HYBRID_FAIL: {
    summary: '{undecided, select, yes {maildoctor non ha potuto stabilire se la posta di {domain} spedita tramite {host} supera il controllo SPF} other {La posta di {domain} spedita tramite {host} potrebbe essere {fate, select, rejected {rifiutata} spam {messa nello spam} other {segnalata come sospetta}} dai destinatari}}',
    explanation:
      '{result, select, none {{domain} non pubblica una regola SPF, quindi i destinatari non possono sapere che {host} ({ip}) può spedire per suo conto.} permerror {La regola SPF di {domain} è sbagliata ({reason}): i destinatari ottengono "permerror" per qualsiasi server, anche {host} ({ip}).} temperror {Non è stato possibile valutare la regola SPF di {domain} per {host} ({ip}): {reason}.} incomplete {Non è stato possibile valutare la regola SPF di {domain} per {host} ({ip}): mancano alcune risposte DNS che servono.} neutral {La regola SPF di {domain} non dice nulla su {host} ({ip}) (risultato "neutral").} other {La regola SPF di {domain} non autorizza {host} ({ip}): risultato SPF "{result}"{decidedBy, select, none {} other {, deciso da {decidedBy}}}.}} ' +
      '{dmarc, select, reject {{domain} pubblica DMARC p=reject: i destinatari rifiutano la posta di {domain} che non supera il controllo SPF per {domain} e non ha una firma DKIM valida di {domain}, e il server dell’account ibrido non firma nulla per {domain}: decide solo l’SPF.} quarantine {{domain} pubblica DMARC p=quarantine: i destinatari mettono nello spam la posta di {domain} che non supera il controllo SPF per {domain} e non ha una firma DKIM valida di {domain}, e il server dell’account ibrido non firma nulla per {domain}: decide solo l’SPF.} none {{domain} pubblica DMARC p=none: ai destinatari si chiede solo di segnalare, ma molti tengono comunque conto di un risultato SPF {result} contro il messaggio.} other {{domain} non pubblica una regola DMARC: ogni destinatario decide solo in base al risultato SPF{result, select, fail {, e un "fail" viene spesso rifiutato} other {}}.}}',
    fix: 'Se il gestore della casella offre l’invio con autenticazione, preferisci quello; se gestisci tu il dominio, autorizza il server dell’account ibrido nella sua regola SPF; altrimenti aspettati che alcuni destinatari rifiutino la posta spedita così.',
  },
  HYBRID_RECOMMENDED: {
    summary: 'Spedisci tramite {host} (il server di questa rete); continua a ricevere dal gestore della tua casella',
    explanation: 'Il server del gestore della tua casella non spedisce per te da qui e non è stato verificato alcun invio con autenticazione, ma il server di posta in uscita della rete a cui sei collegato ({network}) spedisce per {client}. Un account ibrido lo usa solo per spedire.',
    fix: 'Server di posta in uscita: {host}, porta {port}, {security}, nessuna autenticazione. Cambialo di nuovo quando cambi rete.',
  },
  NOTHING_WORKS: {
    summary: 'Da questa rete non funziona niente: non è stato possibile verificare né l’invio né la ricezione',
    explanation: 'Nessun server di questo indirizzo ha risposto in modo utilizzabile da qui. I risultati qui sopra spiegano il perché per ogni server.',
  },
  NOT_VERIFIED: {
    summary: '{what, select, blocklistSkipped {Il controllo delle liste di blocco non è stato fatto} blocklistUndecided {Alcune liste di blocco non hanno dato risposta} other {L’accesso non è stato provato (nessuna password)}}',
    explanation:
      '{what, select, blocklistSkipped {maildoctor avrebbe chiesto alle liste di blocco DNS del tuo indirizzo pubblico, ma l’indirizzo pubblico non è noto (dietro un NAT lo si scopre con --echo-url, da un servizio di eco).} blocklistUndecided {{refused, select, yes {Una lista ha rifiutato la domanda stessa (Spamhaus risponde 127.255.255.x alle domande che arrivano da server DNS pubblici, o se sono troppe): non vuol dire che l’indirizzo sia in lista. } other {}}Non si sa se {address} è in {zones}.} other {Senza password maildoctor può controllare server, porte, cifratura e se il server spedisce per questa rete, ma non che il tuo nome utente e la tua password funzionino.}}',
    fix: '{what, select, blocklistSkipped {Riprova più tardi, oppure cerca l’indirizzo sulla pagina web della lista.} blocklistUndecided {{refused, select, yes {Lancialo di nuovo con il server DNS del tuo fornitore (--dns), oppure cerca l’indirizzo sulla pagina web della lista.} other {Riprova più tardi, oppure cerca l’indirizzo sulla pagina web della lista.}}} other {Lancialo di nuovo con --user NOME e la password in MAILDOCTOR_PASSWORD, sullo standard input (--password-stdin) o quando la chiede.}}',
  },
  AUTH_TEMP_FAILURE: {
    summary: '{endpoints}: per ora il server non riesce a controllare l’accesso (un guasto temporaneo dalla sua parte)',
    explanation: 'Il server ha risposto all’accesso con un errore temporaneo: il suo servizio di autenticazione è guasto, sovraccarico o non raggiungibile dal server di posta. La password non è stata giudicata, né giusta né sbagliata; non dipende da questa rete né dalle tue impostazioni.',
    fix: 'Riprova più tardi. Se continua, avvisa il gestore che l’accesso fallisce con un errore temporaneo. Non cambiare la password per questo.',
  },
  AUTH_MECHANISM_TOO_WEAK: {
    summary: '{endpoints} ha rifiutato il metodo di accesso{mechanisms, select, none {} other { {mechanisms}}} perché troppo debole',
    explanation: 'Il server non accetta l’accesso con questo metodo{plain, select, yes { su una connessione non cifrata} other {}} (SMTP 534, RFC 4954 §6). I server lo dicono quando la password viaggerebbe in una forma che qui non accettano; non dice nulla sulla password in sé.{offered, select, none {} other { Il server offre: {offered}.}}',
    fix: '{plain, select, yes {Attiva la cifratura per questo server: SSL/TLS (porta 465) o STARTTLS (porta 587).} other {Scegli un altro metodo di autenticazione nel programma di posta (per esempio "password cifrata", oppure OAuth2 se il gestore lo usa).}}',
  },
  AUTH_ENCRYPTION_REQUIRED: {
    summary: '{endpoints} accetta l’accesso solo su una connessione cifrata',
    explanation: '{plain, select, yes {Il server rifiuta le password su questa connessione non cifrata (SMTP 538, IMAP LOGINDISABLED, oppure POP3 che offre solo STLS), e così protegge la password: maildoctor non l’ha inviata.{elsewhere, select, yes { L’accesso su una connessione cifrata a questo gestore ha funzionato.} other {}}} other {Il server ha chiesto la cifratura anche se la connessione era già cifrata: è configurato in modo incoerente.}}',
    fix: '{plain, select, yes {Per questo server imposta la sicurezza della connessione su SSL/TLS (porte 465, 993, 995) o STARTTLS (porte 587, 143, 110).} other {Usa l’altra porta del server (465 o 587) e avvisa il gestore che l’accesso su TLS viene rifiutato.}}',
  },
  CLIENT_ADDRESS_BLOCKLISTED: {
    summary: 'Il tuo indirizzo {address} è in una lista di blocco DNS: {lists}',
    explanation:
      '{pbl, select, yes {La PBL di Spamhaus elenca gli indirizzi delle connessioni domestiche (ADSL, fibra, telefono) che non dovrebbero spedire posta direttamente agli altri server di posta: ce li ha messi il fornitore della connessione o Spamhaus. Non è un’accusa di spam: da questi indirizzi la posta deve passare da un server che conosce il mittente, cioè l’invio con autenticazione del gestore della casella o il server di posta in uscita del fornitore. } other {}}' +
      '{xbl, select, yes {La XBL elenca gli indirizzi da cui si è visto un computer infetto (virus, botnet, proxy aperto): un dispositivo di questa rete potrebbe essere infetto. } other {}}' +
      '{sbl, select, yes {La SBL elenca fonti di spam conosciute (CSS: invii in massa di cattiva reputazione; DROP: blocchi di indirizzi rubati). } other {}}' +
      '{othersCount, plural, =0 {} one {Anche {others} elenca questo indirizzo. } other {Anche {others} elencano questo indirizzo. }}' +
      '{refusedCount, plural, =0 {In questo controllo nessun server ha rifiutato questo client, ma i server che usano questa lista rifiutano la posta spedita direttamente da questo indirizzo.} other {{refused} hanno rifiutato questo client con un errore permanente; i server che usano le liste di blocco rifiutano proprio così gli indirizzi in lista, quindi la lista è il motivo probabile (è una deduzione: di solito la risposta del server nelle prove nomina la lista).}}',
    fix: '{pblOnly, select, yes {Da questa connessione non spedire direttamente ad altri server sulla porta 25: spedisci con l’invio con autenticazione del gestore della casella (porta 587 con STARTTLS, o 465 con SSL/TLS), oppure con il server di posta in uscita del tuo fornitore.} other {Nel frattempo spedisci con l’invio con autenticazione (porta 587 o 465 con la tua password) o con il server del fornitore; se sei nella XBL trova e ripulisci il dispositivo infetto, poi chiedi la rimozione sulla pagina della lista (o al fornitore).}}',
  },
  PORT_INTERCEPTED_BY_NETWORK: {
    summary: 'Questa rete intercetta la porta {port}: {hasOwn, select, yes {{own} (il server di questa rete)} other {un server di questa rete che si presenta come {name}}} risponde al posto di {hosts}',
    explanation:
      'Ogni connessione alla porta {port} riceve risposta dallo stesso server, chiunque fosse il destinatario: {hosts} si presenta{hostCount, plural, one {} other {no tutti}} come {name}{hasFingerprint, select, yes { e mostra{hostCount, plural, one {} other {no}} lo stesso certificato (SHA-256 {fingerprint}), valido per nessuno di loro} other {}}. ' +
      '{controlCount, plural, =0 {} other {Anche il server di controllo indipendente sulla porta {port} ({controls}) si presenta con lo stesso nome. }}' +
      '{genuineCount, plural, =0 {} other {Gli stessi server mostrano il proprio certificato, valido per il loro nome, sulle altre porte ({genuinePorts}). }}' +
      '{hasOwn, select, yes {{own} si presenta esattamente allo stesso modo. } other {}}' +
      'La rete a cui sei collegato devia la porta {port} in uscita verso un proprio server (lo fanno fornitori, alberghi e antivirus di rete). I server che hai chiesto non sono mai stati raggiunti su quella porta: il loro certificato non è sbagliato, non è mai stato visto.',
    fix: 'Usa {port, select, 25 {la porta 587 (STARTTLS) o 465 (SSL/TLS) con la tua password} other {un’altra porta}}, che questa rete non intercetta{hasOwn, select, yes {, oppure spedisci consapevolmente tramite {own} (come server di questa rete, non come {first})} other {}}. Non accettare il certificato estraneo nel programma di posta.',
  },
  SMTP_INSPECTED_BY_NETWORK: {
    summary: 'Un firewall {onThisNetwork, select, yes {di questa rete} other {lungo la strada}} riscrive l’SMTP sulla porta {port} e ne toglie la cifratura',
    explanation:
      'La sessione SMTP sulla porta {port} non è quella che manda il server: il saluto è mascherato con asterischi e l’estensione STARTTLS è sostituita da XXXXXXXA (o il comando STARTTLS viene rifiutato), il segno di un’"ispezione" SMTP come "inspect esmtp" dei Cisco PIX/ASA. ' +
      '{onThisNetwork, select, yes {Server diversi ({hosts}) mostrano la stessa riscrittura: avviene su questa rete, prima che il traffico arrivi a uno di loro.} other {Solo {hosts} è stato visto attraverso di esso: il firewall può essere su questa rete o davanti a quel server, e le prove non dicono quale.}} ' +
      'Su questa porta tutto viaggerebbe in chiaro, anche la password: maildoctor non ne ha mandata nessuna.',
    fix: 'Non usare la porta {port} da qui. Usa la porta 465 (SSL/TLS), dove la cifratura comincia prima di qualsiasi comando SMTP e l’ispezione non può toglierla. Chi gestisce la rete può disattivare l’ispezione ("no inspect esmtp").',
  },
  PATH_MTU_BLACKHOLE: {
    summary: 'Il TLS verso {hosts} ({address}) si blocca dopo il ClientHello su tutte le porte: i pacchetti grandi si perdono per strada',
    explanation:
      'La connessione TCP a {address} riesce{plaintext, select, yes { e i brevi scambi in chiaro (saluto, comandi) funzionano} other {}}, ma su ogni porta TLS ({ports}) non è tornato nemmeno un byte della risposta TLS del server entro {waitedMs} ms dal ClientHello, mentre la connessione TCP ha richiesto una frazione di quel tempo (vedi le prove). ' +
      'Il TLS con altri server funziona da qui ({elsewhere}), quindi il TLS in sé va bene. La risposta del server è il primo pacchetto della sessione a grandezza piena: un collegamento lungo la strada (una VPN, PPPoE o un altro tunnel) porta pacchetti più piccoli, e il messaggio ICMP "fragmentation needed" che farebbe mandare al server pacchetti più piccoli viene filtrato. È una deduzione dai tempi: da un solo capo non si può vedere direttamente.',
    fix: 'Abbassa l’MTU dell’interfaccia con cui ti colleghi finché il TLS verso il server funziona (1400 va bene per la maggior parte delle VPN e di PPPoE, 1280 per molti tunnel, 576 è il minimo IPv4 che ogni percorso porta); sul router, limita l’MSS TCP all’MTU del percorso ("TCPMSS clamp-mss-to-pmtu" in iptables/nftables) o lascia passare l’ICMP "fragmentation needed".',
  },
  NETWORK_BLOCKS_MAIL: {
    summary: 'Questa rete non lascia uscire la posta: ogni porta di posta ({ports}) di ogni server esterno fallisce',
    explanation:
      'Nessuna connessione a un server esterno è passata su nessuna porta di posta: {servers}{controlCount, plural, =0 {} one {, più # server di controllo} other {, più # server di controllo}}: {attempts} tentativi in tutto. ' +
      'Intanto {controlCount, plural, =0 {} other {i server di controllo indipendenti ({controls}) falliscono allo stesso modo, }}{ownCount, plural, =0 {} other {il server di questa rete {own} risponde, }}e il DNS risponde. ' +
      'I server non sono spenti: questa rete (un Wi-Fi per ospiti o d’albergo, una rete aziendale) lascia uscire solo una parte del traffico, di solito il web. Da qui non si può ricevere posta. ' +
      '{hasRelay, select, yes {Si può spedire solo tramite il server di questa rete {relayHost} (accetta posta da te, vedi la raccomandazione).} other {Da qui non si può nemmeno spedire, a meno che questa rete abbia un proprio server SMTP che accetti posta da te.}}',
    fix: 'Usa la webmail del tuo gestore, un’altra rete (i dati del telefono) o una VPN per il programma di posta{hasRelay, select, yes {; per spedire da qui usa {relay} come server di posta in uscita} other {}}. Chiedi a chi gestisce la rete di aprire le porte 993 e 465/587.',
  },
  IPV6_PATH_BROKEN: {
    summary: '{broken, select, 6 {IPv6} other {IPv4}} verso {hosts} non riceve risposta da qui, mentre {broken, select, 6 {IPv4} other {IPv6}} funziona',
    explanation:
      'Ognuno di questi nomi ha un indirizzo IPv4 e uno IPv6. Le connessioni in {broken, select, 6 {IPv4} other {IPv6}} passano; in {broken, select, 6 {IPv6} other {IPv4}} non ricevono alcuna risposta (vengono scartate per strada). ' +
      '{broken, select, 6 {I programmi di posta provano prima IPv6 (RFC 8305, Happy Eyeballs) e passano a IPv4 solo dopo un’attesa; quelli più vecchi aspettano un intero timeout, quindi la posta sembra lenta o ogni tanto non funziona.} other {I programmi che preferiscono IPv4 aspettano prima di provare IPv6, quindi la posta sembra lenta.}} ' +
      '{addressCount, plural, one {Sono tutti un solo indirizzo ({addresses}): le prove non dicono se è guasto il {broken, select, 6 {IPv6} other {IPv4}} di questa rete o quello del server.} other {Server diversi ({addresses}) falliscono allo stesso modo: molto probabilmente è guasto il {broken, select, 6 {IPv6} other {IPv4}} di questa rete (il router o il fornitore).}}',
    fix: '{addressCount, plural, one {Se falliscono anche altri server con doppio stack, ripara il {broken, select, 6 {IPv6} other {IPv4}} di questa rete o disattivalo su questa interfaccia; altrimenti avvisa il gestore della posta.} other {Ripara il {broken, select, 6 {IPv6} other {IPv4}} di questa rete (router, fornitore) o disattivalo su questa interfaccia finché non è riparato.}} Le impostazioni qui sotto funzionano in {broken, select, 6 {IPv4} other {IPv6}}.',
  },
  TLS_CERT_EXPIRES_SOON: {
    summary: 'Il certificato di {hosts} scade tra {days, plural, one {# giorno} other {# giorni}}, il {validTo}',
    explanation: 'Il server presenta un certificato valido per {names}, rilasciato da {issuer}, che scade il {validTo}: {days, plural, one {manca # giorno} other {mancano # giorni}}. Fino ad allora funziona tutto; dopo, i programmi di posta rifiutano la connessione, a meno che il gestore non lo rinnovi in tempo (spesso i certificati si rinnovano solo pochi giorni prima).',
    fix: 'Per ora non devi cambiare niente. Se dopo quella data la posta smette di funzionare con un errore sul certificato, avvisa il gestore che il suo certificato è scaduto.',
  },
  TLS_CERT_CHAIN_INCOMPLETE: {
    summary: '{endpoint} non invia il certificato intermedio che serve al suo certificato',
    explanation:
      'Il server presenta un {certificate}. Ha inviato {sent, plural, one {# certificato} other {# certificati}}; l’ultimo è rilasciato da {lastIssuer}, che il server non ha inviato e che qui non è un’autorità riconosciuta, quindi la catena non si può verificare ({trustError}). ' +
      'Di solito è un server che non invia il suo certificato intermedio: alcuni programmi vanno a prendere da soli quello che manca, molti programmi di posta invece rifiutano la connessione. (Se chi l’ha rilasciato è un’autorità privata, qui non è riconosciuta affatto.)',
    fix: 'Chiedi al gestore di configurare la catena completa (il suo certificato seguito da quello intermedio). Non accettare il certificato in modo permanente nel programma di posta.',
  },
  OAUTH_TOKEN_REFUSED: {
    summary: 'Il token di accesso OAuth2 è stato rifiutato da {hosts}',
    explanation:
      'Il server ha rifiutato il token dell’utente {user}.{status, select, none {} other { Il server ha risposto: {status}{scope, select, none {} other { (chiede il permesso {scope})}}.}} ' +
      'Un token di accesso dura circa un’ora: di solito il motivo è che è scaduto; altrimenti il token è stato rilasciato per un altro account, per un altro servizio o senza il permesso di leggere la posta.',
    fix: 'Procurati un nuovo token di accesso per questo account con il permesso per la posta (docs/oauth2.md) e lancia di nuovo il controllo; il nome utente deve essere l’account per cui è stato rilasciato il token.',
  },

  // Issue 9.
  TLS_CERT_DATES_INVALID: {
    summary: 'Il certificato di {endpoint} ha date di validità che non si possono leggere',
    explanation:
      'Il server presenta un {certificate}. Secondo il certificato, la validità comincia il “{notBefore}” e finisce il “{notAfter}”, ma almeno una di queste non è una data valida (la norma RFC 5280 ammette solo AAMMGGhhmmssZ o AAAAMMGGhhmmssZ, con valori reali). ' +
      'Nessun programma di posta può capire se un certificato così è ancora valido, quindi rifiutano la connessione. È un errore nel modo in cui è stato creato il certificato, non nelle tue impostazioni.',
    fix: 'Avvisa il gestore che il certificato del server ha date di validità illeggibili e va rifatto. Non accettarlo nel programma di posta.',
  },
  INCOMING_FAILS_UNEXPLAINED: {
    summary: '{count, plural, one {Il server di posta in arrivo provato si è fermato} other {Tutti i server di posta in arrivo provati (# in tutto) si sono fermati}} con {codes}: la ricezione non funziona',
    explanation:
      'maildoctor ha provato {endpoints}. I tentativi si sono fermati con {codes}, e nessun altro risultato di questo rapporto spiega il motivo. ' +
      'Un codice dice a che punto si è interrotta la conversazione (le prove mostrano ogni tentativo), non il perché: con queste prove la causa può essere il server, la sua configurazione o qualcosa nella rete in mezzo.',
    fix: 'Lancia “maildoctor probe” su uno di questi server per vedere tutta la conversazione, e mandala insieme a questo rapporto al tuo gestore di posta.',
  },
};
