package linkage

import "strings"

// nicknameTable lists UK given names with their short forms, one group per line, the
// group key first. It is the fallback table used for the "nickname" level.
const nicknameTable = `
alexander alex alec sandy xander
alexandra alex alexa sandra lexi
andrew andy drew
anthony tony ant
benjamin ben benny benji
catherine cath cathy kate katie kath kitty cat
katherine kate katie kath kathy kitty kat
charles charlie chas chuck
charlotte charlie lottie lotte
christopher chris kit topher
christine chris chrissie tina
daniel dan danny
david dave davey
deborah debbie deb debs
edward ed eddie ted ned teddy
elizabeth liz lizzie beth betty libby eliza bess bessie lisa
eleanor ellie nell nora
frances fran frankie
francis frank
frederick fred freddie
gregory greg
henry harry hal hank
isabella bella izzy isabel
jacob jake
james jim jimmy jamie
jennifer jen jenny
john jack johnny jon
jonathan jon jonny
joseph joe joey
joshua josh
kenneth ken kenny
lawrence larry laurie
leonard len lenny leo
margaret maggie meg peggy marge madge megan
matthew matt
michael mike mick micky
nicholas nick nicky
patricia pat patsy trish tricia
patrick pat paddy
peter pete
rebecca becky becca
richard rick ricky dick rich
robert rob bob bobby robbie bert
ronald ron ronnie
samantha sam sammy
samuel sam sammy
stephen steve stevie
steven steve stevie
susan sue susie
thomas tom tommy
timothy tim timmy
victoria vicky tori
william will bill billy liam willy
mohammed mohammad muhammad mohamed muhammed mohamad
zachary zach zack
`

// nicknames maps a normalised name to the keys of the groups it belongs to.
var nicknames = func() map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(nicknameTable, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, n := range f {
			m[n] = append(m[n], f[0])
		}
	}
	return m
}()
