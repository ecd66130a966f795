import { describe, expect, it } from 'vitest'
import { durationText, secondsText } from './duration-text'

describe('duration text', () => {
  it('says seconds with at most one decimal', () => {
    expect([secondsText(1000), secondsText(2500), secondsText(30_000), secondsText(300)]).toEqual([
      '1 s',
      '2.5 s',
      '30 s',
      '0.3 s',
    ])
  })

  it('says a wait below a second in milliseconds', () => {
    expect([durationText(500), durationText(1000), durationText(1500)]).toEqual(['500 ms', '1 s', '1.5 s'])
  })
})
