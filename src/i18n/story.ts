// A version's story (src/domain/version-story.ts) in words: 「No.2 変更（増額）の記載を訂正」 rather than a bare 「訂正」.
import type { VersionStory } from '../domain/version-story.js';
import type { Translate } from './index.js';

export function storyText(t: Translate, story: VersionStory): string {
  const about = story.about;
  if (story.kind === 'change_cancellation') {
    return about ? t('story.changeCancellation', { no: about.no, kind: t(`kind.${about.kind}`) }) : t('story.undone');
  }
  if (story.kind === 'correction' && about) {
    return t('story.correction', { no: about.no, kind: t(`kind.${about.kind}`) });
  }
  return t(`kind.${story.kind}`);
}
