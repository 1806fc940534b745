// Package synth2 is bonafide's second referral generator, written apart from
// package synth and sharing none of its code, names, sentences or rates, so
// that a model fitted on one generator can be judged on the other (and the
// other way round): no figure is fitted and judged on the same author's view
// of the world.
//
// It writes the same interchange stream (version 1) and the same truth lines
// as synth ([Generate]), so every tool that reads synth's output reads this.
//
// # Its view of the world
//
// Surnames and given names are drawn with Zipf-like frequencies (a few very
// common, a long tail), from common English words used as surnames and
// common given names, combined at random: no real person is the subject of
// any allegation. Streets too are drawn Zipf-like within a few invented
// towns, and relatives often live on the same street, so that two real
// families share a surname and a street far more often than chance
// suggests; sparse anonymous referrals give a child's first name and a
// street, nothing more.
//
// Genuine reporters persist: a grandmother calls three or four times over
// months about the same continuing neglect, often after her first call was
// found substantiated, repeating her own words; a class teacher reports
// again; a neighbour rings back. Campaigns imitate genuine wording (calm,
// first-hand, with invented times and places) as often as they shout; trolls
// announce reports on forums under handles that reappear in their
// throwaway e-mail addresses; a helpline relays some calls a day later; and
// strangers watching a live stream make a genuine burst.
package synth2
