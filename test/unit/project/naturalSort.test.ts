import { describe, expect, it } from 'vitest';
import { compareNatural, naturalSortKey } from '../../../src/shared/project/naturalSort';

describe('natural sort of image paths', () => {
  it('orders digit runs by value and letters without regard to case', () => {
    const paths = [
      'raccoon-10.jpg',
      'raccoon-2.jpg',
      'Raccoon-3.jpg',
      'raccoon-1.jpg',
      'raccoon-100.jpg',
      'b/img9.png',
      'a/img10.png',
      'a/img9.png',
    ];
    expect([...paths].sort(compareNatural)).toEqual([
      'a/img9.png',
      'a/img10.png',
      'b/img9.png',
      'raccoon-1.jpg',
      'raccoon-2.jpg',
      'Raccoon-3.jpg',
      'raccoon-10.jpg',
      'raccoon-100.jpg',
    ]);
  });

  it('puts leading zeros after the plain number and before the next one', () => {
    expect(['2.jpg', '01.jpg', '1.jpg', '001.jpg'].sort(compareNatural)).toEqual([
      '1.jpg',
      '01.jpg',
      '001.jpg',
      '2.jpg',
    ]);
  });

  it('keeps long numbers (timestamps, frame counters) in order', () => {
    expect(naturalSortKey('frame-99999999999.jpg') < naturalSortKey('frame-100000000000.jpg')).toBe(
      true,
    );
    expect(compareNatural('A.jpg', 'a.jpg')).toBeLessThan(0); // equal keys: the path decides
  });
});
