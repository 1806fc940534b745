package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// story holds the words a narrative is filled in with: the names as this
// reporter knows them, pronouns, places and times.
type story struct {
	r    *rand.Rand
	vars map[string]string
}

func newStory(r *rand.Rand) *story { return &story{r: r, vars: make(map[string]string, 48)} }

func (s *story) set(k, v string) *story { s.vars[k] = v; return s }

// fill replaces {name} placeholders and picks one of {a|b|c}
// alternatives, so that one template reads many ways; unknown names are
// left for a test to find.
func (s *story) fill(t string) string { return capitalFirst(s.raw(t)) }

func (s *story) raw(t string) string {
	if !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			break
		}
		j := matchBrace(t, i)
		if j < 0 {
			b.WriteString(t)
			break
		}
		b.WriteString(t[:i])
		key := t[i+1 : j]
		if alts := splitTop(key); len(alts) > 1 {
			b.WriteString(s.raw(alts[s.r.IntN(len(alts))]))
		} else if v, ok := s.vars[key]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(t[i : j+1])
		}
		t = t[j+1:]
	}
	return b.String()
}

// matchBrace returns the index of the brace closing the one at i, or -1.
func matchBrace(t string, i int) int {
	depth := 0
	for k := i; k < len(t); k++ {
		switch t[k] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// splitTop splits s at the bars that are not inside braces.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	for k := 0; k < len(s); k++ {
		switch s[k] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[last:k])
				last = k + 1
			}
		}
	}
	return append(out, s[last:])
}

// lowerFirst lowers the first letter of s unless it starts a shouted word.
func lowerFirst(s string) string {
	c, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(c) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(c)) + s[n:]
}

func capitalFirst(s string) string {
	for i, c := range s {
		if unicode.IsLetter(c) {
			return s[:i] + string(unicode.ToUpper(c)) + s[i+len(string(c)):]
		}
		if !unicode.IsSpace(c) {
			return s
		}
	}
	return s
}

// pronouns sets he/his/him for a child of the given sex.
func (s *story) pronouns(sex string) *story {
	if sex == "F" {
		return s.set("he", "she").set("his", "her").set("him", "her").set("himself", "herself").set("boy", "girl")
	}
	return s.set("he", "he").set("his", "his").set("him", "him").set("himself", "himself").set("boy", "boy")
}

// compose picks n distinct sentences from bank and fills them.
func compose(r *rand.Rand, s *story, bank []string, n int) string {
	n = min(n, len(bank))
	idx := r.Perm(len(bank))[:n]
	parts := make([]string, 0, n)
	for _, i := range idx {
		parts = append(parts, s.fill(bank[i]))
	}
	return strings.Join(parts, " ")
}

func clock(r *rand.Rand, t time.Time) string {
	h, m := t.Hour(), t.Minute()
	switch r.IntN(3) {
	case 0:
		return fmt.Sprintf("%02d:%02d", h, m)
	case 1:
		suffix := "am"
		if h >= 12 {
			suffix = "pm"
		}
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		return fmt.Sprintf("%d.%02d%s", h12, m/5*5, suffix)
	}
	return fmt.Sprintf("about %d o'clock", max(1, h%12))
}

func shortDate(r *rand.Rand, t time.Time) string {
	if chance(r, 0.5) {
		return fmt.Sprintf("%02d/%02d", t.Day(), int(t.Month()))
	}
	return fmt.Sprintf("%d %s", t.Day(), t.Month().String()[:3])
}

// Sentence banks. Professionals write dated, specific, factual sentences;
// people who know the family write what they saw and heard; the vague and
// anonymous write worry without detail.

var teacherNeglect = []string{
	"{child} ({yeargroup}) has arrived late on {n} of the last 10 school days, most recently on {day} at {time}.",
	"{child} told {his} {class teacher|teaching assistant|form tutor} on {date} that there was \"nothing for breakfast {again|at home}\" and {ate two portions at breakfast club|asked staff for toast twice}.",
	"Uniform has been unwashed for over a week; staff noticed a strong smell of {urine|damp|smoke} on {date} and gave {him} spare clothes.",
	"{child}'s attendance this term is {pct}%. {Mum|{mum}|Parents} did not attend the meeting booked for {date} and {has|have} not returned {calls|our calls|messages}.",
	"{child} has had untreated head lice since the start of term{ and a tooth abscess that has not been seen by a dentist|, and complains of toothache daily}.",
	"On {date} {child} was not collected at 15:15; {mum} arrived at {time2} and {appeared unsteady|smelt of alcohol|was slurring}. This is the {nth} late collection this half term.",
	"{child} {fell asleep in lessons three times this week|is tired and withdrawn in class} and said {he} looks after {sibling} in the evenings.",
	"{child} came in on {day} without a coat {in freezing weather|in the rain} and with shoes split across the sole.",
	"{PE kit has not been in school since September|{child} has no PE kit or reading book}; {he} is often hungry and has been taking food from other children's lunchboxes.",
	"Staff have logged {n} concerns on {CPOMS|MyConcern|our safeguarding system} since {month}; chronology attached.",
	"{child} has lost weight {noticeably|visibly} since {month} and {hides food in {his} bag|asks to stay in at lunchtime}.",
	"When asked about {his} weekend {child} said {he} \"stayed in {his} room\" because {mum} was {poorly|asleep|with friends}.",
	"{Early help was offered in {month} and declined|A TAF meeting was held in {month}; actions have not been followed}.",
	"{child} {has soiled {himself} twice this week|wet {himself} in class on {date}} and there were no spare clothes in {his} bag.",
}

var healthNeglect = []string{
	"{Home visit|Visit} on {date} at {time}: {child} (aged {age}) has dropped from the {c1}th to the {c2}th weight centile since the last review.",
	"The {flat|house} was cold with no heating on, bottles in the sink were unwashed and there was {dog mess|cat litter} on the {living room|kitchen} floor.",
	"{child} has missed {n} appointments since {month}, including {his} {immunisations|12-month review|hearing test}.",
	"{mum} appeared {low in mood and tearful|flat and withdrawn} and said she has not been sleeping; she declined a referral to the {perinatal team|GP|talking therapies service}.",
	"{child} has severe nappy rash and was in the same sleepsuit as at the last visit.",
	"Seen in clinic on {date}: {child}'s speech is {markedly|significantly} delayed and {mum} said {he} spends most of the day in {his} {cot|buggy}.",
	"{child} attended {the surgery|clinic} on {date} with a chest infection for the third time this winter; the home is damp with black mould in the bedroom.",
	"Dental team report {n} teeth needing extraction under general anaesthetic; two appointments were not attended.",
	"{No safe sleeping space for the baby was seen|The baby was asleep on the sofa among cushions} at the visit on {date}.",
	"{mum} {could not say when {child} last ate|said {child} has \"just biscuits\" most days}.",
}

var gpInjury = []string{
	"{child} was brought to {the surgery|the practice} on {date} at {time} with bruising to the {upper arm|back|ear} in a {fingertip|linear} pattern.",
	"The explanation given, that {he} \"{fell off the sofa|fell down the stairs|bumped into a door}\", does not fit the injury.",
	"{child} flinched when I examined {him} and would not answer questions in front of {dad}.",
	"There is a healed {burn|scar} on {his} {forearm|hand} that {mum} could not explain.",
	"This is the second unexplained injury this year; the first was seen at {A&E|the urgent treatment centre} on {date2}.",
	"{He|{child}} said quietly that {dad} \"gets angry\" {when {he} cries|at bedtime}.",
}

var policeDomestic = []string{
	"Officers attended {address} at {time} on {date} after a 999 call reporting {screaming|a disturbance|a woman shouting for help}.",
	"{mum} had a visible injury to her {face|neck|arm}; {dad} was arrested for {assault|ABH|criminal damage} and is on bail with conditions not to attend the address.",
	"{n} children were present at the time; {child} was {awake and distressed|hiding upstairs} and {had tried to get between the adults|had called 999}.",
	"DASH risk assessment completed: {risk} risk. This is the {nth} domestic incident at the address this year.",
	"{Both adults were intoxicated|{dad} was heavily intoxicated}. {A kitchen knife was recovered from the hallway|Damage to the kitchen door was noted}.",
	"{child} told officers \"{daddy pushed mummy down the stairs|daddy hurt mummy again|mummy was crying on the floor}\".",
	"The house was in a poor state with little food; the children {were taken to their grandmother's for the night|stayed with a neighbour overnight}.",
	"{mum} declined to support a prosecution{ and minimised the incident|}.",
}

var neighbourFirstHand = []string{
	"I live {where}. Last {day} at {time} I heard {dad} shouting and {child} screaming for about {mins} minutes, then a bang against the wall.",
	"At {time} on {day} the little one was out on the balcony in just a nappy and it was {freezing|pouring with rain}.",
	"The children are often left on their own; I saw {mum} {drive off|go out} at {time} on {day} and she didn't come back until after midnight.",
	"I have seen {child} going through the bins {outside the flats|by the garages} looking for food.",
	"On {date} I saw {dad} drag {child} up the path by {his} arm while {he} was crying.",
	"There are {men|people} coming and going at all hours and I can smell cannabis through the wall most nights.",
	"{child} knocked on my door on {day} evening asking if I had any {bread|food|money for the meter}.",
	"I heard {mum} screaming \"get off me\" at about {time} and then the children crying.",
	"The curtains have been shut for {two weeks|days} and I haven't seen the {kids|children} go to school since {day}.",
	"{I've lived here {n} years and|Honestly} I've never reported anyone before but this has been going on since {month}.",
}

var relativeFirstHand = []string{
	"I'm {rel}. When I went round on {day} the kids hadn't eaten since breakfast and there was nothing in the fridge.",
	"{mum} was asleep on the sofa at three in the afternoon with {empty cans|bottles} everywhere and the baby in a dirty nappy.",
	"{child} told me on {date} that {dad} hits {him} with a {belt|slipper} when {he} wets the bed.",
	"I've had the kids most weekends since {month} because she can't cope; she's {drinking|using} again.",
	"{dad} has a new partner who I don't trust, and {child} has come to mine with bruises twice now.",
	"She won't let me see the children any more and I'm worried something is going on.",
	"The house is filthy, there's dog mess upstairs and {child} is sharing a mattress on the floor with {sibling}.",
	"{child} rang me crying on {day} night saying {he} was scared because {mum} and {dad} were fighting.",
	"I'm {rel} and I'm at my wits' end, {mum} has {stopped taking her tablets|lost her job} and the kids are running wild.",
}

var vagueWorry = []string{
	"I'm worried about the children at {street}.",
	"They always seem to be out late on their own and look {hungry|thin|scruffy}.",
	"I don't want to give my name because I live nearby.",
	"Not sure if this is anything but something doesn't feel right.",
	"I've heard there's a lot of shouting in that house.",
	"Someone {told me|at the school gate said} the kids aren't going to school.",
	"The little {boy|girl|one} always looks {scruffy and sad|pale}.",
	"Please just check they are OK.",
	"I think the {mum|dad} has problems with {drink|drugs}.",
	"I know the family a bit, from the {school gates|park|shop}.",
	"There's been police there {a few times|more than once} lately.",
}

var immediateGenuine = []string{
	"{Dad|{dad}|Her boyfriend} is hitting {mum|her} {NOW|right now}, I can hear it through the wall, the children are in the house, please send someone.",
	"The baby has been left alone in the flat since this morning, I can hear crying and nobody answers the door.",
	"{dad} is outside the house with a knife shouting that he'll kill her, the kids are inside.",
	"{mum} is passed out and not waking up and {child} (about {age}) is on {his} own with the little one.",
	"{child} has just run to my house with blood on {his} face saying {dad} hurt {him} and {he} won't go back.",
	"There's a toddler on the windowsill of the top-floor flat with the window wide open and no adult in sight.",
}

var onlineLive = []string{
	"I was watching a live on {platform} ({handle}) at about {time} tonight and the {toddler} fell off the kitchen worktop and hit {his} head really hard.",
	"{mum} laughed and carried on filming, the little one went quiet and floppy and she didn't stop the stream.",
	"On the live just now {dad} grabbed {child} by the neck and threw {him} onto the sofa, {loads of|lots of} people in the comments saw it.",
	"The kid was crying and had a cut on {his} head and nobody took {him} to hospital, they kept streaming for another {40|20|30} minutes.",
	"I've screen recorded it if you need it. Please check {he}'s OK.",
	"I don't know the family, I just follow her page, but that was not an accident.",
	"{Loads of us|Lots of people} have reported it to {platform} too.",
	"It was on {handle} about {half an hour|an hour} ago.",
	"{I'm shaking|I feel sick} after watching it, {he} can't be more than {age}.",
}

var onlinePost = []string{
	"I follow {handle} on {platform} and the {photo|picture|post} she put up {today|tonight|this afternoon} shows {child} with {a big bruise on {his} face|{his} arm in a sling|marks on {his} cheek}.",
	"She says {he} {walked into a table|fell over|had an accident} but {it looks like more than that to me|this is the second time in a month|I'm worried}.",
	"I don't know them personally{, I just follow her|}.",
	"Please could someone check, I'd rather be wrong.",
	"{Other followers|People in the comments} are asking about it too.",
	"{He|{child}} looks {frightened|really quiet} in the photo.",
}

// Trolls' allegations, keyed by the kind of post they twist. Each has no
// first-hand detail: it is what someone who only saw the post would write.
var twistClaims = map[postKind][]string{
	postBarbecue:   {"She is drunk while pregnant, posted herself with wine at a BBQ", "she's drinking all day with the kids running about", "the mother is an alcoholic, look at her page", "wine in her hand in every photo while she's pregnant"},
	postBath:       {"she posts naked pictures of her children online", "she's putting her kids in the bath on the internet for money", "naked photos of the kids for thousands of strangers", "sexualising her children for likes"},
	postKitchen:    {"the house is a filthy hovel and the kids are living in squalor", "rotting food everywhere, those children live in filth", "the kitchen is a health hazard, the kids will get ill"},
	postTrampoline: {"she lets the toddler on a trampoline with no supervision", "no net, no adult, that baby is going to break his neck", "leaves the little one to bounce on his own while she films"},
	postParty:      {"parties every weekend and the kids are left to fend for themselves", "drugs at her parties with the children in the house", "she's off her face at parties while the kids are up at midnight"},
	postPregnancy:  {"she should not be allowed another baby", "she was smoking and drinking before she even announced", "another baby to make money off"},
	postBirth:      {"the new baby isn't safe with her", "she'll neglect this baby like the others", "that newborn needs to be checked on, she's not fit", "she was doing drugs through the whole pregnancy"},
	postSchool:     {"the kids are never in school, it's all for the camera", "she drives them with no car seats", "the eldest is being bullied and she does nothing"},
	postDayOut:     {"she left the kids alone on the beach to get her photos", "those kids are exploited for content every single day"},
	postCouncil:    {"the councillor neglects her own children while lecturing everyone else", "hypocrite, her kids are left with anyone while she plays politics"},
	postStudio:     {"she's never home, the kids are left with strangers while she's on telly", "her children are raised by whoever is around, she's always at the studio"},
	postLive:       {"she streams her kids all day for money", "the children are exploited on live streams every night"},
	postInjury:     {"she hurt the kid, look at the bruise", "that child is being beaten and she posts it for sympathy"},
	postFitness:    {"she starves the kids to keep them thin like her", "the children are put on diets, it's abuse"},
}

// trollDanger is a troll claiming a child is in danger now.
var trollDanger = []string{
	"She is drunk RIGHT NOW with the baby in the house, someone needs to go round now.",
	"The kids are on their own in the house right now, she's gone out, please send someone.",
	"I can hear him screaming at the kids this minute, go now before something happens.",
	"She's just posted from a bar and the children are home alone tonight.",
}

var inventedClaims = []string{
	"I heard she hits them", "her ex says she's violent", "the kids are always covered in bruises", "she feeds them nothing but junk",
	"she leaves them with random men", "she's on drugs, everyone knows", "the children are scared of her", "she screams at them constantly",
	"the little one has marks on his arms", "she locks them in their rooms", "the husband is a known abuser", "she's been seen drunk at the school gates",
}

// Pet phrases a troll may adopt as their own.
var petPhrases = []string{
	"Someone needs to do something.", "Wake up and do your job.", "How many times do we have to report her?", "This is a child at risk.",
	"Its disgusting.", "Protect those poor kids.", "She thinks she's untouchable.", "Everyone can see it except you.",
	"Do NOT let her fool you.", "I'm not the only one saying this.", "Check her page if you don't believe me.",
	"Those children deserve better.", "I will keep reporting until someone listens.", "Shame on her.",
	"Not fit to be a mother.", "Social services are a joke.", "It's all over the internet.", "Look into it properly this time.",
}

var fakeNeighbourLines = []string{
	"I live near her and I see it all the time.", "I'm a neighbour, everyone round here knows what goes on.",
	"I live on her road and I've seen enough.", "As her neighbour I can tell you it's worse than it looks online.",
	"I see the kids every day and they are not OK.",
}

var trollInventedDetail = []string{
	"Last {day} I saw her slap the little one outside the supermarket.", "At {time} on {day} she was screaming at them in the car park.",
	"I saw the eldest walking on their own on the main road late at night.",
}

// forum texts before and after a referral, and background chatter.
var forumBefore = []string{
	"someone needs to report her", "I'm ringing them tomorrow", "has anyone reported her yet?", "enough is enough, reporting tonight",
	"who's the council for her area? doing it now", "if nobody else will I'll ring social services", "can we all report her this time",
	"I've got the number for the helpline, doing it in the morning",
}

var forumAfter = []string{
	"reported her again lol", "done. rang them", "reported. let's see her post her way out of this one",
	"rang the helpline too", "another report in, that's three from me", "did mine, told them about the wine",
	"social services have been told, finally", "reported lol, let them knock on her door",
}

var forumChatter = []string{
	"did you see her latest post, the state of the kitchen", "she's monetising those kids and nobody cares",
	"new thread because the last one filled up", "her sponsor deal is fake, it's obvious", "those poor kids honestly",
	"I actually think she's a decent mum, you lot are obsessed", "she deleted the comments again",
	"anyone else notice she never shows the eldest now", "the bath pic has gone", "she's blocked me again",
	"she's pregnant AGAIN?", "the baby's name is ridiculous", "mods please lock this thread",
}

// gendered rewrites text written about a mother so that it is about the
// father when he is the parent who posts: pronouns, "mum", "woman" and the
// like. "her" becomes "his" before a word it owns and "him" otherwise.
func (g *famGen) gendered(s string) string {
	if g.fam.pub == nil || g.fam.pub.who != g.fam.father {
		return s
	}
	words := strings.Split(s, " ")
	swap := map[string]string{
		"she": "he", "She": "He", "SHE": "HE", "she's": "he's", "She's": "He's", "shes": "hes", "she'll": "he'll",
		"herself": "himself", "woman": "man", "mother": "father", "mum": "dad", "Mum": "Dad",
		"Miss": "Mr", "mums": "dads", "Mum's": "Dad's", "mum's": "dad's",
	}
	notOwned := map[string]bool{"again": true, "tonight": true, "now": true, "yet": true, "this": true, "up": true, "in": true,
		"out": true, "to": true, "for": true, "and": true, "or": true, "off": true, "down": true, "because": true, "when": true,
		"if": true, "that": true, "the": true, "a": true, "fool": true, "do": true, "go": true, "be": true}
	for i, w := range words {
		bare := strings.TrimRight(w, ".,!?;:")
		if v, ok := swap[bare]; ok {
			words[i] = v + w[len(bare):]
			continue
		}
		if bare != "her" && bare != "Her" && bare != "HER" {
			continue
		}
		owned := bare == w && i+1 < len(words) && !notOwned[strings.ToLower(strings.Trim(words[i+1], ".,!?;:"))]
		rep := map[bool]string{true: "his", false: "him"}[owned]
		switch bare {
		case "Her":
			rep = strings.ToUpper(rep[:1]) + rep[1:]
		case "HER":
			rep = strings.ToUpper(rep)
		}
		words[i] = rep + w[len(bare):]
	}
	return strings.Join(words, " ")
}

// helplineEdit turns a caller's words into a helpline's note: third person,
// shouting taken out, a prefix, otherwise the same.
func helplineEdit(r *rand.Rand, text string, anonymous bool) string {
	t := strings.NewReplacer("!!!", ".", "!!1", ".", "!?", ".", "!!", ".", "!", ".", "...", ".", "??", "?").Replace(text)
	words := strings.Fields(t)
	for i, w := range words {
		if len(w) > 3 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			words[i] = strings.ToLower(w)
		}
	}
	t = strings.Join(words, " ")
	t = strings.NewReplacer(" I'm ", " caller is ", " I am ", " caller is ", " I want ", " caller wants ", " I have ", " caller has ",
		" I've ", " caller has ", " I live ", " caller lives ", " I think ", " caller thinks ", " I know ", " caller knows ",
		" I don't ", " caller does not ", " I follow ", " caller follows ", " I feel ", " caller feels ", " I ", " caller ",
		" my ", " caller's ", " me ", " caller ").Replace(" " + t + " ")
	t = strings.TrimSpace(t)
	prefixes := []string{"Caller states: ", "Call to the helpline. Caller reports that ", "Summary of call: ", ""}
	if anonymous {
		prefixes = append(prefixes, "Anonymous caller. ")
	}
	prefix := pick(r, prefixes)
	suffix := pick(r, []string{"", " Passed to the local authority for assessment.", " Caller did not wish to give details.", " Advice given."})
	if prefix == "Call to the helpline. Caller reports that " {
		t = lowerFirst(t)
	} else {
		t = capitalFirst(t)
	}
	return prefix + t + suffix
}
