package synth2

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// pick returns one element of xs at random.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// fill replaces {child}, {mum}, {street}, {day}, {time} and {place} in s.
func fill(r *rand.Rand, s string, v map[string]string) string {
	for k, x := range v {
		s = strings.ReplaceAll(s, "{"+k+"}", x)
	}
	s = strings.ReplaceAll(s, "{day}", pick(r, days))
	s = strings.ReplaceAll(s, "{time}", pick(r, clock))
	s = strings.ReplaceAll(s, "{place}", pick(r, places))
	return s
}

var (
	days   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "yesterday", "last night", "this morning"}
	clock  = []string{"about half seven", "around 4pm", "gone eleven at night", "just after school pick-up", "about 9.15", "around teatime", "2 in the morning"}
	places = []string{"outside the flats", "in the back garden", "at the bus stop", "on the landing", "in the corner shop", "at the school gate", "in the car park behind the chip shop", "through the kitchen window"}

	// What a lay reporter who knows the family saw or heard.
	laySeen = []string{
		"On {day} at {time} I saw {child} {place} with no coat on and no shoes.",
		"{child} came round to ours on {day} asking if we had any bread, he said there was nothing in.",
		"I could hear {mum} screaming at {child} {day}, it went on for ages and then a door slammed.",
		"{child} has been wearing the same clothes all week and smells of wee.",
		"{day} {child} was left on their own {place} for over an hour while {mum} was out.",
		"The little one was sat in a dirty nappy {place} at {time}, crying, nobody came.",
		"I saw a big mark on {child}'s arm when they were playing out {day}, they pulled their sleeve down when I asked.",
		"There were empty cans and bottles all over the front step again this morning and {child} was picking through them.",
		"{mum} had a man round {day} who was shouting and the kids were in the house.",
	}
	// A persistent relative's own recurring words.
	nanOpen = []string{
		"I am {child}'s nan and I have rung before.",
		"It's me again, {child}'s grandmother.",
		"I rang you a few months ago about my grandchildren and nothing has got better.",
		"This is their nan, I don't know who else to tell.",
	}
	nanWorry = []string{
		"The house is filthy and there is never any food in the fridge.",
		"{mum} is drinking again and the kids are getting themselves to school.",
		"{child} is losing weight and looks grey.",
		"The kids are up till all hours and {child} has missed loads of school.",
		"I have been taking them washing home because nobody does it.",
	}
	nanClose = []string{
		"I love my daughter but I am frightened for those children.",
		"Please can somebody go round, I can't keep doing this on my own.",
		"I am not trying to cause trouble, I just want them looked after.",
		"I have them at weekends when I can but I'm not well myself.",
	}
	// A class teacher or health visitor, in their register.
	proSeen = []string{
		"{child} arrived at school on {day} hungry and asked staff for breakfast; this is the fourth time this half term.",
		"Attendance has fallen to 71% this term and {child} has been collected late on six occasions.",
		"During PE on {day} staff noticed bruising to {child}'s upper arm in a grip pattern; {child} said they fell.",
		"{child} disclosed to their class teacher that mum's boyfriend 'gets angry and throws things'.",
		"At the home visit on {day} the flat was cold, there was no food for the baby and mum appeared under the influence.",
		"{child} has head lice that have not been treated since September and their uniform is unwashed.",
		"Missed three health appointments; the baby's weight has dropped from the 50th to the 9th centile.",
	}
	proAgain = []string{
		"This follows our referral earlier in the year; the concerns have continued.",
		"We referred previously and early help was offered; the situation has not improved.",
		"Further to my last referral, I am writing again because things are getting worse.",
		"",
	}
	proClose = []string{
		"Mum has been informed of this referral.",
		"We have not informed mum as we are worried it may put {child} at risk.",
		"Please contact the DSL to discuss.",
		"I am happy to attend any meeting.",
	}
	// Sparse anonymous callers.
	sparse = []string{
		"There is a little girl called {child} on {street}, she is always out on her own late.",
		"A boy called {child} on {street} is being hit, you can hear it through the wall.",
		"Kids at the house on {street}, youngest one is called {child}, left alone all the time.",
		"I don't want to give my name. {child} on {street}, the mum is always off her face.",
	}
	// Strangers watching a live stream.
	onlineSeen = []string{
		"I was watching {mum}'s live stream just now and she slapped {child} across the face when he knocked a drink over.",
		"On the live tonight {child} had a bleeding lip and {mum} laughed about it.",
		"On her live {mum} grabbed {child} by the hair, I have screenshots.",
		"Just watched a live where {child} was crying and said mummy hurt me, it was awful to see.",
	}

	// Campaign: the loud way.
	loud = []string{
		"That woman {mum} is a DISGRACE and should not have kids!!",
		"Everyone round here knows what goes on in that house.",
		"Why has nobody done anything?? DO YOUR JOBS.",
		"She's always off her head and the kids are always filthy.",
		"I heard from someone who knows her that she leaves them for days.",
		"Apparently the dad is a known druggie and he is back living there.",
		"She posts her perfect life online but it's all lies.",
		"Those poor kids, it makes me sick.",
	}
	// Campaign: the calm imitation of a genuine account, with invented detail.
	calmFake = []string{
		"On {day} at {time} I saw {child} {place} on their own and crying.",
		"I walk past the house most days and the curtains are never open.",
		"{child} looked very thin and pale when I saw them {place} {day}.",
		"I noticed {mum} shouting at {child} {place} and pulling them along by the arm.",
		"I am worried because the children never seem to be at school.",
		"I did not want to get involved but I feel I have to say something now.",
	}
	// Campaign: twisted from a public post.
	twisted = map[string]string{
		"wine":       "In her own video {mum} is drinking wine while looking after a baby, she is clearly drunk all the time.",
		"bath":       "She put a video up of {child} in the bath which is disgusting and anyone can see it.",
		"trampoline": "{child} was bouncing on a trampoline with no net and {mum} just filmed it, she doesn't care if they get hurt.",
		"kitchen":    "You can see in her videos the kitchen is a tip, there's mould everywhere and food left out.",
		"party":      "She was out partying all weekend according to her stories and nobody knows who had the kids.",
		"scan":       "She's pregnant AGAIN and can't look after the ones she has.",
	}
	postText = map[string]string{
		"wine":       "Friday feeling with a cheeky glass of rosé while the little one naps",
		"bath":       "Bath time giggles with my little water baby",
		"trampoline": "New trampoline is a hit! Best £80 we ever spent",
		"kitchen":    "Real life kitchen after a day of baking with the kids, no filter",
		"party":      "Girls night out, finally! Nan has the kids",
		"scan":       "Baby number three coming in spring!! We are over the moon",
	}
	postMedia = map[string]string{
		"wine":       "photo: woman on a sofa holding a glass of wine, baby monitor beside her",
		"bath":       "video: toddler in a bubble bath, face only",
		"trampoline": "video: child bouncing on a garden trampoline",
		"kitchen":    "photo: kitchen worktop with flour and bowls",
		"party":      "photo: group of women at a bar",
		"scan":       "photo: ultrasound scan picture",
	}
	forumUrge = []string{
		"has anyone actually reported {mum} {surname}? ive had enough of watching those kids suffer",
		"right im ringing social services about {handle} tomorrow, who's with me",
		"reported her. if enough of us do it they'll have to go round",
		"the {surname} woman is at it again on her stories, someone needs to call the council",
		"{handle} thinks she is untouchable. not for long",
	}
	forumChat = []string{
		"reported again lol",
		"she blocked me, proves she has something to hide",
		"did anyone see her reply, so defensive",
	}
)

// join builds a narrative from sentences, dropping the empty ones.
func join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, " ")
}

// roughen gives a troll's text their own habits: a pet phrase, dropped
// capitals, extra punctuation.
func roughen(r *rand.Rand, s string, habit int) string {
	switch habit % 4 {
	case 0:
		return strings.ToLower(s)
	case 1:
		return strings.ReplaceAll(s, ".", "!!")
	case 2:
		return s + " " + pick(r, []string{"Sort it out.", "Shameful.", "Enough is enough."})
	}
	return fmt.Sprintf("%s %s", s, "Please act before something happens.")
}
