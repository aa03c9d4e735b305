/**
 * Instruction templates for the router's training data, by category. `{obj}` is filled with an object the image
 * shows, `{thing}` with a document/chart detail. Labels are the specialist domains that help (empty = the base
 * expert alone is enough). Templates are split train/held-out by index, so held-out phrasings are never trained on.
 */
import type { RouterLabel } from '../../services/router/labels';

export type ImageKind = 'photo' | 'face-photo' | 'scene-photo' | 'document' | 'chart';

export interface Template {
  category: 'natural' | 'document' | 'chart' | 'grounding' | 'face' | 'grounding+face' | 'none-on-text' | 'scene-text' | 'open-page' | 'open-photo';
  text: string;
  labels: readonly RouterLabel[];
  images: readonly ImageKind[];
}

const T = (category: Template['category'], labels: readonly RouterLabel[], images: readonly ImageKind[], texts: string[]): Template[] =>
  texts.map((text) => ({ category, text, labels, images }));

/**
 * Open questions that fit any image ("What is shown here?"). On a page or a chart only the document expert can answer
 * them, on a photo the base expert is enough: the same phrasings appear with both labels, so the router must take
 * the answer from the image, not from the words (before these, such questions on pages got no specialist).
 */
const OPEN_QUESTIONS = [
  'What is shown here?', 'What can you tell me about this?', 'Help me understand this image.', 'What should I know about this?',
  'Give me a quick overview of this.', 'Describe what this is.', 'What is the point of this?', 'Tell me everything important here.',
  'What is this image about?', 'Can you explain what I am seeing?', 'Sum this up for me.', 'What is the key information here?',
  'Walk me through this.', 'Any details worth noting?', 'What does this image tell us?', 'Interpret this for me.',
];

export const TEMPLATES: readonly Template[] = [
  ...T('natural', [], ['photo', 'face-photo', 'scene-photo'], [
    'What is in this picture?', 'Describe this image.', 'What animal is this?', 'What kind of scene is shown here?',
    'Is this photo taken indoors or outdoors?', 'What is the main subject of the photo?', 'What colour is the {obj}?',
    'Give me a short caption for this photo.', 'What is the weather like in this image?', 'Is this a photo or a painting?',
    'What mood does this picture convey?', 'What breed could this be?', 'Tell me about this photo in one sentence.',
    'What is happening in this scene?', 'Which season does this look like?', 'Classify this image.',
    'Does the {obj} look old or new?', 'What is the dominant colour of the picture?', 'Explain what you see.',
    'Is the {obj} the focus of the shot?', 'What would you title this photograph?', 'Is it day or night here?',
    'What is the subject of this shot?', 'Is the {obj} in focus?', 'Would this make a good wallpaper?', 'What style is this photograph?',
    'Is the picture sharp or blurry?', 'What is this a photo of?', 'Guess where this photo was taken.', 'What food or drink is shown?',
    'Is the lighting warm or cold?', 'Name the animal in the shot.', 'Is this scene calm or busy?', 'What is the camera angle of the shot?',
    'What material is the {obj} made of?', 'Is the {obj} pretty?', 'What is the {obj} used for?', 'Is the {obj} sharp in the photo?',
    'Tell me something interesting about the {obj}.', 'Why is the {obj} in the shot?', 'Is the {obj} real or a toy?', 'What animal or object is this?',
    // Added 2026-11-30: shorter, chattier phrasings, as users type them. Appended, so earlier templates keep their
    // split. The in-the-wild set (scripts/router-data/wild.ts, written before these and never trained on) measures
    // whether such phrasings generalise.
    'What is going on here?', 'Is this a nice photo?', 'What kind of animal is that?', 'Where might this be?',
  ]),
  ...T('document', ['document'], ['document'], [
    'What does the text say?', 'Read the total on this receipt.', 'Transcribe this letter.', 'What date is written on the form?',
    'What is the name printed at the top?', 'Read the first line of the document.', 'What does this code print?',
    'Summarise the article.', 'What is written on the sign?', 'Copy out the table values.', 'Who is the letter addressed to?',
    'What is the amount due?', 'Extract all the words in this image.', 'What is the headline?', 'What language is this code written in?',
    'Read me the address on the page.', 'How much did the coffee cost on the receipt?', 'What does the second paragraph state?',
    'Which fields of the form are filled in?', 'OCR this page.', 'What is the phone number listed?', 'Spell out the caption.',
    'What word appears in the title?', 'What are the column headers of the table?',
    'What is printed on the label?', 'Read out the invoice number.', 'What is the subtotal before tax?', 'Quote the opening sentence.',
    'What text is written in the box?', 'Who signed the letter?', 'What is the variable name on line three?', 'List the items on the bill.',
    'Which words are in bold?', 'What is the street name in the address?', 'What does the notice announce?', 'What is the value in row two?',
    // Added 2026-11-30 (same reason as the natural ones).
    'Summarize what this page says.', 'What is this letter about?', 'Which store printed this receipt?', 'On what date was the purchase made?',
    'What is the final amount to pay?', 'Give me the gist of the text.', 'Translate the page into Spanish.', 'How much tax is on the bill?',
  ]),
  ...T('chart', ['chart'], ['chart'], [
    'What is the highest bar in the chart?', 'Which year had the peak value?', 'Summarise the trend in this graph.',
    'What does the y-axis measure?', 'Which category has the largest share of the pie?', 'What is the value for March?',
    'Is the line going up or down?', 'Compare the first and last data points.', 'What is the title of the plot?',
    'Which series is bigger in the stacked bars?', 'How many categories does the chart show?', 'What is the minimum value plotted?',
    'Describe the correlation in the scatter plot.', 'Convert this chart into a data table.', 'What percentage is the smallest slice?',
    'Which month was the lowest?', 'What are the axis labels?', 'By how much did sales grow?', 'Read the legend.',
    'What is the difference between the two tallest bars?', 'Is there an outlier among the points?',
    'Which bar is the shortest?', 'Estimate the value at the peak of the curve.', 'Which slice is the largest?', 'What does the x-axis show?',
    'Is the relationship between the variables positive?', 'What is the average of the plotted values?', 'Which months are above fifty?',
    'Describe the data shown in the figure.', 'What share does the biggest segment have?', 'Extract the numbers from the plot.',
    // Added 2026-11-30 (same reason as the natural ones).
    'Is the trend rising or falling?', 'What is the largest value in the graph?', 'Which group is smallest on the chart?', 'Read off the value of the last point.',
  ]),
  ...T('grounding', ['grounding'], ['photo', 'face-photo', 'scene-photo'], [
    'Where is the {obj}?', 'How many {obj}s are there?', 'Draw a box around the {obj}.', 'Locate the {obj} in the image.',
    'Point to the {obj}.', 'Count the objects in the scene.', 'Give the bounding box of the {obj}.', 'Is the {obj} on the left or the right?',
    'Find every {obj} in the photo.', 'What is next to the {obj}?', 'Which object is closest to the camera?',
    'Detect all the objects.', 'Mark the position of the {obj}.', 'Is there a {obj} in the top half of the picture?',
    'What objects are on the table?', 'Show me where the {obj} is.', 'List each object with its location.',
    'How far is the {obj} from the edge?', 'Segment out the {obj} region.', 'Which items can you spot and where?',
    'Where exactly is the {obj} located?', 'Give coordinates for the {obj}.', 'How many items are visible?', 'Highlight the {obj}.',
    'Is the {obj} above or below the centre?', 'Spot the {obj} and tell me where it is.', 'Put a rectangle around each object.',
    'What is the position of the {obj} in the frame?', 'Count how many {obj}s you can see.', 'Which object is in the middle?',
    // Added 2026-11-29 after grouped CV on the TRAINING split showed grounding phrasings with unseen verbs
    // (mark, segment, coordinates, above/below) falling back to the base expert. Appended, so earlier templates keep
    // their split; every fourth of these is held out like the rest.
    'Tell me the coordinates of every {obj}.', 'Outline each {obj} with a bounding box.', 'What is to the left of the {obj}?',
    'Which objects overlap each other?', 'Is the {obj} in the foreground or the background?', 'Number the objects you can detect.',
    'Where in the frame does the {obj} appear?', 'What is behind the {obj}?', 'Give me the pixel location of the {obj}.',
    'Which object is the largest in the photo?', 'Is the {obj} near the bottom edge?', 'Circle the {obj} for me.',
    'How many distinct objects can you find?', 'Which object is on the right side?', 'Is anything placed between the {obj} and the edge?',
    'Tag each object and its position.',
    // Added 2026-11-30 (same reason as the natural ones).
    'Is there more than one {obj}?', 'In which corner is the {obj}?', 'What lies under the {obj}?', 'Enumerate the objects in view.',
  ]),
  ...T('face', ['face'], ['face-photo'], [
    'How many faces are in this photo?', 'Is the person smiling?', 'Find the faces.', 'Is anyone looking at the camera?',
    'Where is the person\'s face?', 'Detect faces in this picture.', 'Does the person wear glasses?', 'What expression does she have?',
    'Crop the face of the person.', 'Is the face clearly visible?', 'How old does the person look?', 'Are their eyes open?',
    'Draw a box around each face.', 'Is this a portrait?', 'Blur the faces for privacy.', 'Which way is the person facing?',
    'Does he have a beard?', 'Identify the facial expression.',
    'What is the facial expression of the person?', 'Is the person looking at the camera?', 'Are the eyes of the person closed?',
    'Is she smiling or frowning?', 'What emotion does the face show?', 'Which direction is the face turned?', 'Is the person\'s face hidden?',
    'Describe the person\'s face.', 'How many people are facing the camera?', 'Is her expression happy?', 'Does the face look tired?',
    'Where are the eyes of the person looking?',
    'Is he looking at the camera or away?', 'Is her face happy or sad?', 'Are the person\'s eyes visible?', 'Does she look at the viewer?',
    // Added 2026-11-29 (same grouped-CV reason as above).
    'Is the person in the photo wearing makeup?', 'Count the faces you can see.', 'Is the face in profile or frontal?',
    'Does the person look surprised?', 'Is this a selfie?', 'How many people are in the portrait?', 'Is the person frowning?',
    'Are there any faces in this image?',
    // Added 2026-11-30 (same reason as the natural ones).
    'Do you see a face?', 'How does the person feel?', 'Is anybody smiling here?', 'Does the woman look happy?',
    'What is the man\'s expression?', 'Are there people whose faces are visible?', 'Is the person young or old?', 'Is the subject\'s mouth open?',
  ]),
  ...T('grounding+face', ['face', 'grounding'], ['face-photo'], [
    'Locate the person and their face.', 'Find the face and the {obj} next to them.', 'Box every person and every face.',
    'Where is the person standing, and is their face visible?', 'Count the people and their faces.',
    'Point to the face and to the {obj}.', 'Detect faces and objects in this picture.', 'Is the person holding the {obj}, and are they smiling?',
  ]),
  ...T('none-on-text', [], ['document', 'chart'], [
    'Is this a photo or a drawing?', 'Is the background white?', 'Is this image in colour?', 'Is this a screenshot?',
    'What is the aspect ratio of this image?', 'Is the image blurry?', 'Would this print well in black and white?',
    'Is there any photograph in this image?',
    'Is this image a screenshot or a photograph?', 'Is this a photograph?', 'Is the image black and white?', 'How big is this image?',
    'Is this a scan or a screenshot?', 'Does this picture contain any photo?', 'Is the image tilted?', 'Is the image high resolution?',
    // Added 2026-11-29 (same grouped-CV reason as above): questions about the image file itself, not its text.
    'Is the picture upside down?', 'Is this image cropped?', 'Is it landscape or portrait orientation?', 'Is the image too dark?',
    'Does the image have a border?', 'Is the contrast good?', 'Is the image rotated?', 'Is this image grayscale?',
    'Is the picture overexposed?', 'Is this a vector graphic or a bitmap?', 'Does the image look compressed?', 'Is the image noisy?',
    // Added 2026-11-30 (same reason as the natural ones).
    'Is the page rotated or straight?', 'Is this image sharp enough?', 'Is the document photographed or scanned?', 'Does the picture have colours?',
  ]),
  // Added 2026-11-30: text IN a photo (a sign, a label, a price tag). The document expert reads it; before this
  // category the data set had text questions only on documents, and the router learned "photo → never OCR".
  ...T('scene-text', ['document'], ['scene-photo'], [
    'Read the sign in this photo.', 'What words are on the board?', 'What is the name on the shop sign?', 'What does the label read?',
    'Transcribe the text on the sign.', 'What does the panel say?', 'Which street is written on the sign?', 'What price is on the tag?',
    'Read out the lettering on the sign.', 'What is printed on the placard?', 'What number is shown on the sign?', 'Copy the words you can see in the scene.',
    'What message is on the notice board?', 'Is the sign saying open or closed?', 'What does the writing in the photo say?', 'Spell out the words on the label.',
    'Which shop name can you read here?', 'What text appears on the board in the picture?', 'What is the caption on the board?', 'Read every word visible in the picture.',
    'What does the banner announce?', 'Which place does the road sign name?', 'What is the headline written on the sign?', 'Is any text visible? Read it out.',
  ]),
  // Added 2026-11-30 (fourth session), after the earlier blocks so their templates keep their indices and split:
  // what people ask of a page or chart without naming the reading ("Who is this from?"), and open questions asked
  // of pages, charts and photos alike.
  ...T('document', ['document'], ['document'], [
    'Who is this from?', 'When do I need to pay this?', 'What did it cost in the end?', 'Where was this bought?',
    'What is being asked of me here?', 'What time does it start?', 'What is the deadline?', 'Which company sent this?',
    'Is there a number I can call?', 'What did I order?', 'How many items were bought?', 'What are the main points?',
    'What is the conclusion?', 'Did they charge me for delivery?', 'Who is supposed to sign?', 'What is the meeting about?',
  ]),
  ...T('chart', ['chart'], ['chart'], ['What is the takeaway?', 'What story does the data tell?', 'Was it a good year?', 'Which one is doing best?']),
  ...T('open-page', ['document'], ['document'], OPEN_QUESTIONS),
  ...T('open-photo', [], ['photo', 'face-photo'], OPEN_QUESTIONS),
];

/** Held-out templates: every fourth of each category (by position within the category). */
export function isHeldOutTemplate(index: number): boolean {
  const t = TEMPLATES[index];
  if (!t) return false;
  const pos = TEMPLATES.slice(0, index).filter((x) => x.category === t.category).length;
  return pos % 4 === 3;
}
