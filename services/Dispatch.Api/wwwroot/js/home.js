// The start page: links to the four pages, in the chosen language.
import { translate, languageSwitch } from './common.js';

translate();
languageSwitch();
